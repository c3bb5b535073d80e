package secrets_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/lambdasec/lambdasec/secrets"
)

// TestExpiryWithoutClock runs the hit path that has no Config.Now, where
// a value's TTL ends on a timer instead of a clock read, on the real clock.
// The TTL is long next to scheduling noise and the test waits well past
// each boundary.
func TestExpiryWithoutClock(t *testing.T) {
	const ttl = 300 * time.Millisecond
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, f *fakeClient, c *secrets.Cache)
	}{
		{"hit within TTL, fetch after it", func(t *testing.T, f *fakeClient, c *secrets.Cache) {
			f.set("db", "two")
			if got := mustGet(t, c, "db").Value(); got != "one" || f.Calls() != 1 {
				t.Fatalf("within TTL: got %q after %d calls, want one after 1", got, f.Calls())
			}
			time.Sleep(ttl + 100*time.Millisecond)
			if got := mustGet(t, c, "db").Value(); got != "two" || f.Calls() != 2 {
				t.Fatalf("after TTL: got %q after %d calls, want two after 2", got, f.Calls())
			}
		}},
		{"the first value's timer does not expire a refreshed one", func(t *testing.T, f *fakeClient, c *secrets.Cache) {
			time.Sleep(ttl / 2)
			f.set("db", "two")
			if s, err := c.Refresh(ctx, "db"); err != nil || s.Value() != "two" {
				t.Fatalf("Refresh: got %q, %v", s.Value(), err)
			}
			time.Sleep(ttl/2 + 100*time.Millisecond) // past the first TTL, within the second
			if got := mustGet(t, c, "db").Value(); got != "two" || f.Calls() != 2 {
				t.Fatalf("got %q after %d calls, want two from the cache after 2", got, f.Calls())
			}
		}},
		{"a definitive refresh stops hits at once", func(t *testing.T, f *fakeClient, c *secrets.Cache) {
			f.setFail(&types.ResourceNotFoundException{Message: aws.String("m")})
			if _, err := c.Refresh(ctx, "db"); !errors.Is(err, secrets.ErrNotFound) {
				t.Fatalf("Refresh: got %v, want ErrNotFound", err)
			}
			if s, err := c.Get(ctx, "db"); !errors.Is(err, secrets.ErrNotFound) || s.Value() != "" {
				t.Fatalf("Get: got %q, %v; want ErrNotFound and no value", s.Value(), err)
			}
		}},
		{"invalidate stops hits", func(t *testing.T, f *fakeClient, c *secrets.Cache) {
			f.set("db", "two")
			c.Invalidate("db")
			if got := mustGet(t, c, "db").Value(); got != "two" || f.Calls() != 2 {
				t.Fatalf("got %q after %d calls, want two after 2", got, f.Calls())
			}
		}},
		{"versions never expire", func(t *testing.T, f *fakeClient, c *secrets.Cache) {
			v := f.set("db", "two")
			if s, err := c.GetVersion(ctx, "db", v); err != nil || s.Value() != "two" {
				t.Fatalf("GetVersion: got %q, %v", s.Value(), err)
			}
			time.Sleep(ttl + 100*time.Millisecond)
			if s, err := c.GetVersion(ctx, "db", v); err != nil || s.Value() != "two" || f.Calls() != 2 {
				t.Fatalf("GetVersion after TTL: got %q, %v after %d calls, want two from the cache", s.Value(), err, f.Calls())
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			f.set("db", "one")
			c := newCache(t, secrets.Config{Client: f, TTL: ttl})
			mustGet(t, c, "db")
			tc.run(t, f, c)
		})
	}
}
