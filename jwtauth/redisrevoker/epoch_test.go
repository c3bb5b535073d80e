package redisrevoker

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/secevent"

	"github.com/lambdasec/lambdasec/internal/eventtest"
)

// seedMarkers writes every epoch marker with a not-before of 0: a store
// that has been in use since long before the test's clock.
func seedMarkers(mr *miniredis.Miniredis, r *Revoker) {
	for _, k := range r.epochKeysAll {
		mr.Set(k, "0")
	}
}

// recordKeys is every key in mr but the epoch markers.
func recordKeys(mr *miniredis.Miniredis) []string {
	var keys []string
	for _, k := range mr.Keys() {
		if !strings.Contains(k, ":epoch{") {
			keys = append(keys, k)
		}
	}
	return keys
}

// prepare runs Prepare on the real clock.
func prepare(tb testing.TB, r *Revoker) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Prepare(ctx); err != nil {
		tb.Fatal(err)
	}
}

// A store that lost its data (here FLUSHALL, as a restart without
// persistence leaves it): the tokens logged out before are refused, and
// so is every other token issued before the loss; the loss is reported
// once; tokens issued after the recovery are accepted.
func TestDataLossRefusesEarlierTokens(t *testing.T) {
	clk := newClock()
	mr := miniredis.RunT(t)
	mr.SetTime(clk.Now())
	c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { c.Close() })
	events := &eventtest.Recorder{}
	r, err := New(Config{Client: c, Prefix: "test", Events: events, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	seedMarkers(mr, r)
	cfg := testConfig(clk)
	cfg.Revoker = r
	cfg.Logger = slog.New(slog.DiscardHandler)
	a := mustAuth(t, cfg)
	ctx := context.Background()

	var loggedOut, live []string
	for i := range 40 {
		tok, cl, _ := a.Issue(jwtauth.Grant{Subject: "user-" + string(rune('a'+i%26)) + string(rune('a'+i/26))})
		if i%2 == 0 {
			if err := a.Revoke(ctx, cl); err != nil {
				t.Fatal(err)
			}
			loggedOut = append(loggedOut, tok)
		} else {
			live = append(live, tok)
		}
	}
	for _, tok := range live {
		if _, err := a.Verify(ctx, tok); err != nil {
			t.Fatalf("before the loss: %v", err)
		}
	}
	mr.FlushAll()
	clk.Advance(1500 * time.Millisecond)
	for _, tok := range append(loggedOut, live...) {
		if _, err := a.Verify(ctx, tok); !errors.Is(err, jwtauth.ErrTokenRevoked) {
			t.Errorf("token issued before the loss: got %v, want ErrTokenRevoked", err)
		}
	}
	ev := events.All()
	if len(ev) != 1 || ev[0].Name != secevent.SysDependencyFail || ev[0].Reason != "revocation_store_lost" || ev[0].Level != secevent.LevelCritical {
		t.Fatalf("events: %+v", ev)
	}
	if n := len(mr.Keys()); n != buckets {
		t.Errorf("%d keys after recovery, want the %d markers", n, buckets)
	}
	clk.Advance(time.Second)
	tok, _, _ := a.Issue(jwtauth.Grant{Subject: "user-aa"})
	if _, err := a.Verify(ctx, tok); err != nil {
		t.Errorf("token issued after the recovery: %v", err)
	}
	// A marker that comes back with a later not-before (another process
	// recovered, or RevokeAll ran) is obeyed.
	if err := r.RevokeAll(ctx, clk.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(ctx, tok); !errors.Is(err, jwtauth.ErrTokenRevoked) {
		t.Errorf("after RevokeAll: got %v, want ErrTokenRevoked", err)
	}
	if len(events.All()) != 1 {
		t.Errorf("events after RevokeAll: %+v", events.All())
	}
}

// The check stays one command: the epoch marker is read in the MGET.
func TestEpochCheckIsOneCommand(t *testing.T) {
	mr := miniredis.RunT(t)
	c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { c.Close() })
	h := &commandCount{}
	c.AddHook(h)
	r, err := New(Config{Client: c})
	if err != nil {
		t.Fatal(err)
	}
	seedMarkers(mr, r)
	c.Ping(context.Background()) // the connection's set-up commands
	for _, fam := range []string{"", "fam-1"} {
		h.n = 0
		revoked, err := r.Revoked(context.Background(), jwtauth.Claims{Subject: "alice", ID: "id-1", Family: fam, IssuedAt: time.Now()})
		if err != nil || revoked {
			t.Fatalf("Revoked: %v %v", revoked, err)
		}
		if h.n != 1 {
			t.Errorf("family %q: %d commands per check, want 1", fam, h.n)
		}
	}
}

// Prepare on an empty store creates the markers and returns once tokens
// issued from then on are accepted; on a prepared store it changes
// nothing and reports nothing.
func TestPrepare(t *testing.T) {
	mr := miniredis.RunT(t)
	c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { c.Close() })
	events := &eventtest.Recorder{}
	r, err := New(Config{Client: c, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	prepare(t, r)
	issued := time.Now()
	if revoked, err := r.Revoked(context.Background(), jwtauth.Claims{Subject: "alice", ID: "id-1", IssuedAt: issued}); err != nil || revoked {
		t.Errorf("token issued after Prepare: revoked %v, %v", revoked, err)
	}
	start := time.Now()
	prepare(t, r)
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("second Prepare took %v", d)
	}
	if n := len(events.All()); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
}

type commandCount struct{ n int }

func (h *commandCount) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *commandCount) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n += len(cmds)
		return next(ctx, cmds)
	}
}
func (h *commandCount) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n++
		return next(ctx, cmd)
	}
}
