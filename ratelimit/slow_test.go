package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/ratelimit"
	"github.com/redis/go-redis/v9"
)

// slowOp is a go-redis hook that holds back every call of the attempts
// script for one operation ("fail" or "reset") by delay, as a slow network
// would. A call whose context ends first is dropped without reaching
// Redis: the worst case, an outcome that is never recorded.
type slowOp struct {
	op    string
	delay time.Duration
}

func (s slowOp) DialHook(next redis.DialHook) redis.DialHook { return next }
func (s slowOp) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (s slowOp) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if scriptOp(cmd) == s.op {
			select {
			case <-time.After(s.delay):
			case <-ctx.Done():
				cmd.SetErr(ctx.Err())
				return ctx.Err()
			}
		}
		return next(ctx, cmd)
	}
}

// scriptOp returns the first argument after the keys of an EVAL or
// EVALSHA, the operation of the attempts script, or "" for other commands.
func scriptOp(cmd redis.Cmder) string {
	args := cmd.Args()
	name := strings.ToLower(fmt.Sprint(args[0]))
	if name != "evalsha" && name != "eval" || len(args) < 3 {
		return ""
	}
	n, ok := args[2].(int)
	if !ok || len(args) <= 3+n {
		return ""
	}
	return fmt.Sprint(args[3+n])
}

// slowGuard is a guard of Max 3 per 15 minutes whose Fail calls take 80 ms
// against a 50 ms timeout, so that none of them is ever recorded.
func slowGuard(t *testing.T, rdb redis.UniversalClient, prefix string, now func() time.Time) *ratelimit.Attempts {
	t.Helper()
	rdb.AddHook(slowOp{op: "fail", delay: 80 * time.Millisecond})
	a, err := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Redis: rdb, Prefix: prefix, Max: 3,
		Timeout: 50 * time.Millisecond, Logger: discard(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// wrongGuess is a login with a wrong password whose Fail may not be
// recorded: only Allow decides whether the guess was made. It returns nil
// when the guess was made and an error wrapping ErrLimited when it was
// refused.
func wrongGuess(a *ratelimit.Attempts, key string) error {
	if _, err := a.Allow(context.Background(), key); err != nil {
		if errors.Is(err, ratelimit.ErrUnavailable) {
			// A loaded machine missed the budget of Allow: the guard
			// failed closed, so no guess was made.
			return fmt.Errorf("%w: %w", ratelimit.ErrLimited, err)
		}
		return err
	}
	a.Fail(context.Background(), key) // times out; the guess was made all the same
	return nil
}

// TestAttemptsSlowFailStillCounts is the attack on a guard whose failures
// are recorded after the fact: an attacker who can slow Redis down (or
// just gets lucky with the network) makes Fail time out, so the wrong
// guess is never written. Every admitted attempt must count for the whole
// Window unless it is resolved as a success; a guess a minute for 15
// minutes must get Max through, not one per minute.
func TestAttemptsSlowFailStillCounts(t *testing.T) {
	c := newClock()
	_, rdb := c.miniRedis(t)
	a := slowGuard(t, rdb, "slow:", c.Now)
	admitted := 0
	for range 15 {
		if err := wrongGuess(a, "alice"); err == nil {
			admitted++
		} else if !errors.Is(err, ratelimit.ErrLimited) {
			t.Fatal(err)
		}
		c.Advance(time.Minute)
	}
	if admitted != 3 {
		t.Errorf("%d wrong guesses admitted in 15 minutes with Fail timing out, want 3", admitted)
	}
}

// TestAttemptsSlowFailBurst sends rounds of 30 concurrent wrong logins, a
// minute apart, with every Fail timing out: Max in total, not per round.
func TestAttemptsSlowFailBurst(t *testing.T) {
	c := newClock()
	_, rdb := c.miniRedis(t)
	a := slowGuard(t, rdb, "burst:", c.Now)
	admitted := 0
	for range 5 {
		admitted += together(t, 30, func(int) error { return wrongGuess(a, "alice") })
		c.Advance(time.Minute)
	}
	if admitted > 3 {
		t.Errorf("%d wrong guesses admitted in 5 bursts with Fail timing out, want at most 3", admitted)
	}
}

// TestRedisAttemptsSlowFail runs the slow-Fail attack against the real
// single node and the real cluster, in bursts of concurrent guesses from
// several instances.
func TestRedisAttemptsSlowFail(t *testing.T) {
	for name, rdb := range realRedis(t) {
		t.Run(name, func(t *testing.T) {
			prefix := uniquePrefix(t)
			var guards []*ratelimit.Attempts
			for range 3 {
				guards = append(guards, slowGuard(t, newClientLike(t, rdb), prefix, nil))
			}
			admitted := 0
			for range 3 {
				admitted += together(t, 30, func(i int) error { return wrongGuess(guards[i%len(guards)], "alice") })
			}
			if admitted > 3 {
				t.Errorf("%d wrong guesses admitted with Fail timing out, want at most 3", admitted)
			}
		})
	}
}

// TestAttemptsResetKeepsOthersCounted checks that a success resolves only
// its own attempt: guesses still in flight for the same key (an attacker
// racing the account's owner) keep counting, whether or not their Fail
// ever arrives.
func TestAttemptsResetKeepsOthersCounted(t *testing.T) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			c := newClock()
			a := newAttempts(t, st, c, ratelimit.AttemptsConfig{Max: 3})
			ctx := context.Background()
			for i := range 3 { // the owner's attempt and two guesses, in flight together
				if _, err := a.Allow(ctx, "alice"); err != nil {
					t.Fatalf("attempt %d: %v", i, err)
				}
			}
			if err := a.Reset(ctx, "alice"); err != nil { // the owner's password was right
				t.Fatal(err)
			}
			if res, err := a.Allow(ctx, "alice"); err != nil || res.Remaining != 0 {
				t.Fatalf("after the owner's success: %+v, %v; want one place left", res, err)
			}
			if _, err := a.Allow(ctx, "alice"); !errors.Is(err, ratelimit.ErrLimited) {
				t.Errorf("the two guesses in flight stopped counting: %v", err)
			}
		})
	}
}

// TestAttemptsSlowResetCounts checks the other side: a success that never
// reaches Redis leaves its attempt counted as a failure, the safe mistake.
func TestAttemptsSlowResetCounts(t *testing.T) {
	c := newClock()
	_, rdb := c.miniRedis(t)
	rdb.AddHook(slowOp{op: "reset", delay: 80 * time.Millisecond})
	a, err := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Redis: rdb, Max: 1, Window: time.Minute,
		Timeout: 50 * time.Millisecond, Logger: discard(), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := a.Allow(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := a.Reset(ctx, "alice"); !errors.Is(err, ratelimit.ErrUnavailable) {
		t.Fatalf("Reset: %v, want ErrUnavailable", err)
	}
	c.Advance(time.Minute - time.Millisecond)
	if _, err := a.Allow(ctx, "alice"); !errors.Is(err, ratelimit.ErrLimited) {
		t.Errorf("unresolved attempt stopped counting within the window: %v", err)
	}
	c.Advance(time.Millisecond)
	if _, err := a.Allow(ctx, "alice"); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

// TestAttemptsCancel checks that an attempt whose password was never
// checked can be taken back, and only that attempt: failures and other
// attempts in flight keep counting.
func TestAttemptsCancel(t *testing.T) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			c := newClock()
			a := newAttempts(t, st, c, ratelimit.AttemptsConfig{Max: 3})
			ctx := context.Background()
			if err := wrongGuess(a, "alice"); err != nil { // one failure
				t.Fatal(err)
			}
			for range 2 { // two attempts in flight
				if _, err := a.Allow(ctx, "alice"); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.Cancel(ctx, "alice"); err != nil { // one of them could not be checked
				t.Fatal(err)
			}
			if res, err := a.Allow(ctx, "alice"); err != nil || res.Remaining != 0 {
				t.Fatalf("after Cancel: %+v, %v; want the cancelled place back and no other", res, err)
			}
			if _, err := a.Allow(ctx, "alice"); !errors.Is(err, ratelimit.ErrLimited) {
				t.Errorf("Cancel freed more than its own attempt: %v", err)
			}
			// Cancel without an attempt in flight changes nothing.
			if err := a.Cancel(ctx, "bob"); err != nil {
				t.Fatal(err)
			}
			if res, err := a.Allow(ctx, "bob"); err != nil || res.Remaining != 2 {
				t.Errorf("bob: %+v, %v", res, err)
			}
		})
	}
}
