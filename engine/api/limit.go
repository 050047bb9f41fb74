package api

import (
	"context"
	"time"
)

// Clock tells the time and waits. The rate limiter waits on it, so tests can
// check the spacing of requests without sleeping.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever is first, and
	// returns ctx's error in the latter case.
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits for d or until ctx is done.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Limiter spaces requests evenly: at rate R per minute, a request starts no
// sooner than 60s/R after the one before, so N requests take at least
// (N-1)·60s/R. Fixed spacing never bursts, which is what a rate limit
// declared per minute asks for without knowing how the server counts.
type Limiter struct {
	interval time.Duration
	clock    Clock
	next     time.Time // earliest start of the next request; zero: now
}

// NewLimiter returns a Limiter for perMinute requests a minute; 0 or less
// means no limit. A nil clock is the wall clock.
func NewLimiter(perMinute float64, clock Clock) *Limiter {
	if clock == nil {
		clock = RealClock{}
	}
	l := &Limiter{clock: clock}
	if perMinute > 0 {
		l.interval = time.Duration(float64(time.Minute) / perMinute)
	}
	return l
}

// Interval returns the spacing between requests, 0 without a limit.
func (l *Limiter) Interval() time.Duration { return l.interval }

// Wait blocks until the next request may start and returns how long it
// waited.
func (l *Limiter) Wait(ctx context.Context) (time.Duration, error) {
	now := l.clock.Now()
	var waited time.Duration
	if l.next.After(now) {
		waited = l.next.Sub(now)
		if err := l.clock.Sleep(ctx, waited); err != nil {
			return 0, err
		}
		now = l.clock.Now()
	}
	l.next = now.Add(l.interval)
	return waited, nil
}

// Defer makes the next request wait at least d from now, as a server's
// Retry-After asks; a later start already due stays.
func (l *Limiter) Defer(d time.Duration) {
	if t := l.clock.Now().Add(d); t.After(l.next) {
		l.next = t
	}
}
