package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/eventtest"
	"github.com/lambdasec/lambdasec/internal/redisx"
	"github.com/lambdasec/lambdasec/ratelimit"
	"github.com/lambdasec/lambdasec/secevent"
	"github.com/redis/go-redis/v9"
)

// guesses makes up to n wrong guesses for key and returns how many the
// guard admitted.
func guesses(a *ratelimit.Attempts, key string, n int) int {
	admitted := 0
	for range n {
		if wrongGuess(a, key) == nil {
			admitted++
		}
	}
	return admitted
}

// lossGuard is an Attempts on rdb with the given policy, recording events
// and logs.
func lossGuard(t *testing.T, rdb redis.UniversalClient, c *clock, policy ratelimit.LossPolicy) (*ratelimit.Attempts, *eventtest.Recorder, *logBuffer) {
	t.Helper()
	events, logs := &eventtest.Recorder{}, &logBuffer{}
	a, err := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Redis: rdb, Max: 10, AfterLoss: policy,
		Timeout: 10 * time.Second, Now: c.Now, Events: events, Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	return a, events, logs
}

// lossEvents returns the store-lost events among ev.
func lossEvents(ev []secevent.Event) []secevent.Event {
	var lost []secevent.Event
	for _, e := range ev {
		if e.Reason == "ratelimit_store_lost" {
			lost = append(lost, e)
		}
	}
	return lost
}

// sameBucket returns a key other than key whose digest falls in key's
// bucket (same is true) or in another one (same is false).
func sameBucket(key string, same bool) string {
	want := redisx.Bucket(redisx.Digest(key))
	for i := 0; ; i++ {
		k := fmt.Sprintf("user-%d", i)
		if (redisx.Bucket(redisx.Digest(k)) == want) == same {
			return k
		}
	}
}

// TestAttemptsLossPolicy checks the bound the package doc gives: after
// Redis loses a bucket, each of its keys gets Max minus the assumed
// failures, never more, for one Window; then the keys are whole again.
func TestAttemptsLossPolicy(t *testing.T) {
	for _, tc := range []struct {
		policy ratelimit.LossPolicy
		extra  int // guesses admitted after the loss, Max being 10
	}{
		{ratelimit.AssumeHalfUsed, 5},
		{ratelimit.AssumeAllUsed, 0},
		{ratelimit.AssumeNoneUsed, 10},
	} {
		t.Run(tc.policy.String(), func(t *testing.T) {
			c := newClock()
			m, rdb := c.miniRedis(t)
			a, events, logs := lossGuard(t, rdb, c, tc.policy)
			other := sameBucket("alice", false)
			if n := guesses(a, "alice", 20); n != 10 {
				t.Fatalf("before the loss: %d guesses, want 10", n)
			}
			if n := guesses(a, other, 1); n != 1 {
				t.Fatalf("other bucket before the loss: %d guesses, want 1", n)
			}
			if n := len(lossEvents(events.Take())); n != 0 {
				t.Fatalf("%d loss events before any loss", n)
			}

			m.FlushAll() // a restart without persistence
			c.Advance(time.Minute)
			if n := guesses(a, "alice", 20); n != tc.extra {
				t.Errorf("after the loss: %d more guesses, want %d", n, tc.extra)
			}
			// A key of the same bucket used for the first time after the
			// loss, and a key of another bucket this process had seen,
			// get the same budget.
			if n := guesses(a, sameBucket("alice", true), 20); n != tc.extra {
				t.Errorf("same bucket, first use after the loss: %d guesses, want %d", n, tc.extra)
			}
			if n := guesses(a, other, 20); n != tc.extra {
				t.Errorf("another seen bucket: %d guesses, want %d", n, tc.extra)
			}
			lost := lossEvents(events.Take())
			if len(lost) != 1 || lost[0].Name != secevent.SysDependencyFail || lost[0].Level != secevent.LevelCritical {
				t.Errorf("loss events: %+v, want one (two buckets lost within 10 s) critical sys_dependency_fail", lost)
			}
			if !strings.Contains(logs.String(), "lost failed-login state") {
				t.Errorf("the loss was not logged: %s", logs)
			}

			// One Window after the loss, every key is whole again.
			c.Advance(ratelimit.DefaultWindow)
			if n := guesses(a, "alice", 20); n != 10 {
				t.Errorf("a window after the loss: %d guesses, want 10", n)
			}
		})
	}
}

// A process that never saw a bucket's marker cannot tell a new store from
// a lost one: it counts the bucket as new. Once any process has found the
// loss, every process applies it, new ones included.
func TestAttemptsLossSeenByOthers(t *testing.T) {
	c := newClock()
	m, rdb := c.miniRedis(t)
	fresh, _, _ := lossGuard(t, rdb, c, ratelimit.AssumeHalfUsed)
	if n := guesses(fresh, "alice", 20); n != 10 {
		t.Fatalf("new store: %d guesses, want all 10 (nothing assumed)", n)
	}
	m.FlushAll()
	late, events, _ := lossGuard(t, rdb, c, ratelimit.AssumeHalfUsed)
	if n := guesses(late, "alice", 1); n != 1 {
		t.Fatalf("a process that never saw the bucket: %d guesses", n)
	}
	if n := len(lossEvents(events.Take())); n != 0 {
		t.Errorf("a process that never saw the bucket reported %d losses", n)
	}
	// fresh had seen the bucket, but late recreated its marker: that loss
	// is not seen by anyone. (The bound in the package doc names this
	// case.) A later loss is.
	m.FlushAll()
	if n := guesses(fresh, "alice", 20); n != 5 {
		t.Errorf("after a second loss, found by the first process: %d guesses, want 5", n)
	}
	if n := guesses(late, sameBucket("alice", true), 20); n != 5 {
		t.Errorf("the other process, same bucket: %d guesses, want 5", n)
	}
}

// A successful login forgets failures, not the failures a loss made the
// guard assume: the owner logging in does not give the attacker its
// guesses back.
func TestAttemptsLossSurvivesReset(t *testing.T) {
	c := newClock()
	m, rdb := c.miniRedis(t)
	a, _, _ := lossGuard(t, rdb, c, ratelimit.AssumeHalfUsed)
	ctx := context.Background()
	if n := guesses(a, "alice", 1); n != 1 {
		t.Fatal("first guess refused")
	}
	m.FlushAll()
	res, err := a.Allow(ctx, "alice")
	if err != nil || res.Remaining != 4 {
		t.Fatalf("first attempt after the loss: %+v, %v; want 4 remaining (5 assumed)", res, err)
	}
	if err := a.Reset(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if n := guesses(a, "alice", 20); n != 5 {
		t.Errorf("after a successful login: %d guesses, want 5", n)
	}
}

// The in-process store has nothing to lose but the process, and the
// policy changes nothing there.
func TestAttemptsLossMemory(t *testing.T) {
	for _, p := range []ratelimit.LossPolicy{ratelimit.AssumeHalfUsed, ratelimit.AssumeAllUsed} {
		a, err := ratelimit.NewAttempts(ratelimit.AttemptsConfig{AfterLoss: p})
		if err != nil {
			t.Fatal(err)
		}
		if n := guesses(a, "alice", 20); n != 10 {
			t.Errorf("%v: %d guesses, want 10", p, n)
		}
	}
}

func TestLossPolicyConfig(t *testing.T) {
	for _, p := range []ratelimit.LossPolicy{-1, ratelimit.AssumeNoneUsed + 1} {
		_, err := ratelimit.NewAttempts(ratelimit.AttemptsConfig{AfterLoss: p})
		if !errors.Is(err, ratelimit.ErrInvalidConfig) {
			t.Errorf("AfterLoss %v: %v, want ErrInvalidConfig", p, err)
		}
	}
	if s := ratelimit.LossPolicy(7).String(); s != "LossPolicy(7)" {
		t.Errorf("String: %q", s)
	}
}
