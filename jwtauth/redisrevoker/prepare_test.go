package redisrevoker

import (
	"context"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/eventtest"
)

// At a cold start against a single server whose markers are all present,
// Prepare sends one command, not one per marker; with a marker missing
// it still recreates it and reports the loss.
func TestPrepareOnSingleServer(t *testing.T) {
	for _, tc := range []struct {
		name         string
		drop         int // markers deleted before Prepare
		wantCommands int // 0: not checked
		wantEvents   int
	}{
		{name: "all present", drop: 0, wantCommands: 1, wantEvents: 0},
		{name: "one lost", drop: 1, wantEvents: 1},
		{name: "all lost", drop: buckets, wantEvents: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mr := miniredis.RunT(t)
			c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
			t.Cleanup(func() { c.Close() })
			h := &commandCount{}
			c.AddHook(h)
			events := &eventtest.Recorder{}
			r, err := New(Config{Client: c, Events: events})
			if err != nil {
				t.Fatal(err)
			}
			seedMarkers(mr, r)
			for _, k := range r.epochKeysAll[:tc.drop] {
				mr.Del(k)
			}
			c.Ping(context.Background()) // the connection's set-up commands
			h.n = 0
			prepare(t, r)
			if tc.wantCommands != 0 && h.n != tc.wantCommands {
				t.Errorf("%d commands, want %d", h.n, tc.wantCommands)
			}
			for _, k := range r.epochKeysAll {
				if !mr.Exists(k) {
					t.Fatalf("marker %s missing after Prepare", k)
				}
			}
			if n := len(events.All()); n != tc.wantEvents {
				t.Errorf("%d events, want %d", n, tc.wantEvents)
			}
		})
	}
}
