package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

const (
	// RTTMessageSize is the size in bytes of each LoopbackRTT message.
	RTTMessageSize = 64
	// RTTWarmup is the number of round trips LoopbackRTT makes and discards
	// before it times any.
	RTTWarmup = 100
	// MaxRTTSamples bounds the n of LoopbackRTT.
	MaxRTTSamples = 10_000_000
	// rttStall bounds a single round trip: loopback answers in microseconds,
	// so a stall this long means something is wrong.
	rttStall = 5 * time.Second
)

// LoopbackRTT measures n TCP round trips over the loopback interface: a
// client sends RTTMessageSize bytes to an echo server on 127.0.0.1 and waits
// for them to come back, both ends with TCP_NODELAY. RTTWarmup round trips are
// made and discarded first. Each sample is timed on the monotonic clock; the
// samples are returned raw, in the order measured.
//
// LoopbackRTT returns ctx's error, and no samples, when ctx is done first;
// it closes the connection and the listener and waits for the server before
// it returns.
func LoopbackRTT(ctx context.Context, n int) ([]time.Duration, error) {
	if n < 1 || n > MaxRTTSamples {
		return nil, fmt.Errorf("loopback rtt: %d samples asked for; use 1 to %d", n, MaxRTTSamples)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("loopback rtt: %w", err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		echo(ln)
	}()
	defer func() {
		ln.Close()
		<-served
	}()

	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp4", ln.Addr().String())
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("loopback rtt: %w", err)
	}
	conn := c.(*net.TCPConn)
	defer conn.Close()
	// Closing the connection is what interrupts a blocked read when ctx
	// ends; the loop then reports ctx's error.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if err := conn.SetNoDelay(true); err != nil {
		return nil, fmt.Errorf("loopback rtt: %w", err)
	}

	msg := make([]byte, RTTMessageSize)
	for i := range msg {
		msg[i] = byte('a' + i%26)
	}
	buf := make([]byte, RTTMessageSize)
	samples := make([]time.Duration, 0, n)
	for i := range RTTWarmup + n {
		if err := conn.SetDeadline(time.Now().Add(rttStall)); err != nil {
			return nil, rttError(ctx, i, err)
		}
		clear(buf)

		start := time.Now()
		if _, err := conn.Write(msg); err != nil {
			return nil, rttError(ctx, i, err)
		}
		if _, err := io.ReadFull(conn, buf); err != nil {
			return nil, rttError(ctx, i, err)
		}
		rtt := time.Since(start)

		if !bytes.Equal(buf, msg) {
			return nil, fmt.Errorf("loopback rtt: round trip %d: the echo differs from the message sent", i+1)
		}
		if i >= RTTWarmup {
			samples = append(samples, rtt)
		}
	}
	return samples, nil
}

func rttError(ctx context.Context, i int, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("loopback rtt: round trip %d stalled for %v: %w", i+1, rttStall, err)
	}
	return fmt.Errorf("loopback rtt: round trip %d: %w", i+1, err)
}

// echo accepts one connection on ln and writes back what it reads until the
// client closes it. It copies with a plain buffer so that nothing (splice,
// sendfile) sits between the two sockets but the loop under test.
func echo(ln net.Listener) {
	c, err := ln.Accept()
	if err != nil {
		return
	}
	defer c.Close()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
