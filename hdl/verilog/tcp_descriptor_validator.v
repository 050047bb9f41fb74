// tcp_descriptor_validator: one validation engine for TCP v2 descriptors
// (DESIGN §6). A descriptor is valid when bytes 0-3 are the magic "TCP\x02"
// and bytes 22-23, big-endian, equal the low 16 bits of CRC-32 (IEEE) over
// bytes 0-21 -- the rule of Go's tcp.Valid.
//
// descriptor holds byte 0 in descriptor[191:184] and byte 23 in
// descriptor[7:0].
//
// Two pipeline stages, no stall: a descriptor present before rising edge t
// has its result on `result` after rising edge t+1.
//   stage 1 (edge t):   magic_ok <= bytes 0-3 == "TCP\x02";
//                       syndrome <= parallel checksum(bytes 0-21) ^ bytes 22-23
//   stage 2 (edge t+1): result   <= magic_ok && syndrome == 0
// Stage 1 is one XOR tree per checksum bit (about 90 inputs each); stage 2 is
// a 17-input AND. The data path has no reset: the wrapper qualifies results
// with its own valid pipeline.
module tcp_descriptor_validator (
    input  wire         clk,
    input  wire [191:0] descriptor,
    output reg          result
);
    localparam [31:0] MAGIC = 32'h54435002; // "TCP\x02"

    wire [15:0] checksum;
    tcp_checksum crc (
        .data(descriptor[191:16]),
        .checksum(checksum)
    );

    reg        magic_ok;
    reg [15:0] syndrome;
    always @(posedge clk) begin
        magic_ok <= descriptor[191:160] == MAGIC;
        syndrome <= checksum ^ descriptor[15:0];
        result   <= magic_ok && syndrome == 16'h0000;
    end
endmodule
