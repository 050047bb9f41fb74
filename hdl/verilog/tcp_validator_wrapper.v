// tcp_validator_wrapper: PARALLEL_ENGINES validation engines side by side,
// with the interface of the research design.
//
// Interface
//   descriptors_in  descriptor i in bits [192*(i+1)-1 : 192*i], its byte 0 in
//                   the most significant byte of that slice.
//   valid_in        a batch of PARALLEL_ENGINES descriptors is accepted on a
//                   rising edge where valid_in && ready_out.
//   ready_out       high from the first rising edge after reset is released;
//                   the pipeline never stalls, so it then stays high and a
//                   batch can be accepted on every edge.
//   validation_results, valid_out
//                   the results of a batch accepted on rising edge t are
//                   registered on edge t+1 (bit i: descriptor i is valid) and
//                   valid_out is high for exactly the one cycle between edges
//                   t+1 and t+2. Batches come out in the order they went in.
//                   Outside that cycle validation_results is meaningless.
//   total_cycles    rising edges since reset was released.
//   descriptors_processed
//                   PARALLEL_ENGINES times the number of valid_out pulses so
//                   far (updated on the edge that ends each pulse).
//   rst_n           synchronous, active low.
//
// Fixed latency: 2 cycles. A consumer that samples on rising edges sees
// valid_out high, with the batch's results, on edge t+2 for a batch accepted
// on edge t. Throughput: PARALLEL_ENGINES descriptors per cycle.
//
// DESCRIPTOR_WIDTH exists for the design's interface; the engines read 192-bit
// (24-byte v2) descriptors and no other width is supported.
module tcp_validator_wrapper #(
    parameter PARALLEL_ENGINES = 8,
    parameter DESCRIPTOR_WIDTH = 192  // 24 bytes * 8 bits
) (
    input  wire                                     clk,
    input  wire                                     rst_n,
    input  wire [DESCRIPTOR_WIDTH*PARALLEL_ENGINES-1:0] descriptors_in,
    input  wire                                     valid_in,
    output wire                                     ready_out,
    output wire [PARALLEL_ENGINES-1:0]              validation_results,
    output reg                                      valid_out,
    output reg  [63:0]                              total_cycles,
    output reg  [31:0]                              descriptors_processed
);
    localparam [31:0] ENGINES = PARALLEL_ENGINES;

    reg ready;
    reg stage1_valid;
    assign ready_out = ready;

    genvar i;
    generate
        for (i = 0; i < PARALLEL_ENGINES; i = i + 1) begin : engines
            tcp_descriptor_validator validator (
                .clk(clk),
                .descriptor(descriptors_in[DESCRIPTOR_WIDTH*i +: DESCRIPTOR_WIDTH]),
                .result(validation_results[i])
            );
        end
    endgenerate

    always @(posedge clk) begin
        if (!rst_n) begin
            ready                 <= 1'b0;
            stage1_valid          <= 1'b0;
            valid_out             <= 1'b0;
            total_cycles          <= 64'd0;
            descriptors_processed <= 32'd0;
        end else begin
            ready        <= 1'b1;
            stage1_valid <= valid_in && ready;
            valid_out    <= stage1_valid;
            total_cycles <= total_cycles + 64'd1;
            if (valid_out)
                descriptors_processed <= descriptors_processed + ENGINES;
        end
    end
endmodule
