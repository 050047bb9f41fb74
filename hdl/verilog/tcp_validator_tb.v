// tcp_validator_tb: drives tcp_validator_wrapper with test vectors exported
// from the Go validator and checks every result bit, the fixed latency, the
// order of the batches and both performance counters.
//
// vectors.hex holds NVEC lines of 49 hex digits: the 24-byte descriptor
// (byte 0 first) followed by one digit, 1 when Go's tcp.Valid accepts it.
// results.txt gets one line per vector: its index and the bit the hardware
// gave. The simulation driver (Go package hdl) compares that file with its
// own expectations; the counts printed here are a second, independent check.
//
// The driver offers a batch every cycle but leaves a gap every 7th batch, and
// holds valid_in high during reset, which must accept nothing.
module tcp_validator_tb;
    parameter ENGINES = 1;
    parameter NVEC = 1;
    localparam LATENCY = 2;
    localparam NBATCH = (NVEC + ENGINES - 1) / ENGINES;
    localparam MAX_ERRORS = 20;

    reg                    clk = 1'b0;
    reg                    rst_n = 1'b0;
    reg  [192*ENGINES-1:0] descriptors_in = 0;
    reg                    valid_in = 1'b0;
    wire                   ready_out;
    wire [ENGINES-1:0]     validation_results;
    wire                   valid_out;
    wire [63:0]            total_cycles;
    wire [31:0]            descriptors_processed;

    tcp_validator_wrapper #(.PARALLEL_ENGINES(ENGINES)) dut (
        .clk(clk),
        .rst_n(rst_n),
        .descriptors_in(descriptors_in),
        .valid_in(valid_in),
        .ready_out(ready_out),
        .validation_results(validation_results),
        .valid_out(valid_out),
        .total_cycles(total_cycles),
        .descriptors_processed(descriptors_processed)
    );

    reg [195:0] vectors [0:NVEC-1];
    reg [63:0]  accepted_at [0:NBATCH-1];
    reg [63:0]  edge_no;     // rising edges so far
    reg [63:0]  run_edges;   // rising edges with rst_n high so far
    integer sent, received, passed, failed, errors, out, lane, idx, got, want;

    always #5 clk = ~clk;

    task check_failed;
        input [8*96-1:0] msg;
        begin
            errors = errors + 1;
            if (errors <= MAX_ERRORS)
                $display("ERROR: edge %0d: %0s", edge_no, msg);
        end
    endtask

    // present puts batch b on descriptors_in; lanes past the last vector get
    // zeros, which are not checked.
    task present;
        input integer b;
        begin
            for (lane = 0; lane < ENGINES; lane = lane + 1) begin
                idx = b * ENGINES + lane;
                if (idx < NVEC)
                    descriptors_in[192*lane +: 192] = vectors[idx][195:4];
                else
                    descriptors_in[192*lane +: 192] = 192'd0;
            end
        end
    endtask

    // Monitor: on each rising edge, see what the edge samples (the values
    // before the edge's own updates).
    always @(posedge clk) begin
        // The counters are unknown until the first edge in reset.
        if (edge_no > 0 && total_cycles !== run_edges)
            check_failed("total_cycles does not count the edges since reset");
        if (edge_no > 0 && descriptors_processed !== ENGINES * received)
            check_failed("descriptors_processed is not ENGINES x batches out");
        if (valid_in && ready_out) begin
            if (!rst_n)
                check_failed("a batch was accepted during reset");
            else if (sent >= NBATCH)
                check_failed("a batch was accepted that was not offered");
            else begin
                accepted_at[sent] = edge_no;
                sent = sent + 1;
            end
        end
        if (valid_out === 1'b1) begin
            if (received >= sent)
                check_failed("valid_out without an outstanding batch");
            else begin
                if (edge_no - accepted_at[received] != LATENCY)
                    check_failed("batch out after the wrong latency");
                for (lane = 0; lane < ENGINES; lane = lane + 1) begin
                    idx = received * ENGINES + lane;
                    if (idx < NVEC) begin
                        got = validation_results[lane];
                        want = vectors[idx][0];
                        $fdisplay(out, "%0d %0d", idx, got);
                        if (got === want)
                            passed = passed + 1;
                        else begin
                            failed = failed + 1;
                            if (failed <= MAX_ERRORS)
                                $display("MISMATCH: vector %0d: %h: hardware %0d, Go %0d", idx, vectors[idx][195:4], got, want);
                        end
                    end
                end
                received = received + 1;
            end
        end else if (valid_out !== 1'b0 && rst_n)
            check_failed("valid_out is X or Z");
        if (rst_n)
            run_edges = run_edges + 1;
        edge_no = edge_no + 1;
    end

    // Driver: changes inputs on falling edges, away from the sampling edge.
    initial begin
        sent = 0; received = 0; passed = 0; failed = 0; errors = 0;
        edge_no = 0; run_edges = 0;
        $readmemh("vectors.hex", vectors);
        out = $fopen("results.txt", "w");
        present(0);
        valid_in = 1'b1; // must not be accepted while in reset
        repeat (3) @(negedge clk);
        rst_n = 1'b1;
        while (sent < NBATCH) begin
            @(negedge clk);
            if (sent < NBATCH) begin
                present(sent);
                valid_in = (sent % 7) != 6 || edge_no % 2 == 1;
            end else
                valid_in = 1'b0;
        end
        repeat (LATENCY + 4) @(negedge clk);
        if (received != NBATCH)
            check_failed("not every batch came out");
        $fclose(out);
        $display("tcp_validator_tb: engines=%0d vectors=%0d passed=%0d failed=%0d batches=%0d edges=%0d errors=%0d",
                 ENGINES, NVEC, passed, failed, received, edge_no, errors);
        $finish;
    end
endmodule
