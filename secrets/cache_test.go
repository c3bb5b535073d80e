package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/lambdasec/lambdasec/secrets"
)

func TestNewValidatesConfig(t *testing.T) {
	f := newFake()
	tests := []struct {
		name    string
		cfg     secrets.Config
		wantErr string
	}{
		{name: "no client", cfg: secrets.Config{}, wantErr: "Client is required"},
		{name: "negative TTL", cfg: secrets.Config{Client: f, TTL: -1}, wantErr: "TTL"},
		{name: "negative MaxStale", cfg: secrets.Config{Client: f, MaxStale: -1}, wantErr: "MaxStale"},
		{name: "negative MaxEntries", cfg: secrets.Config{Client: f, MaxEntries: -1}, wantErr: "MaxEntries"},
		{name: "negative FetchTimeout", cfg: secrets.Config{Client: f, FetchTimeout: -1}, wantErr: "FetchTimeout"},
		{name: "min over max backoff", cfg: secrets.Config{Client: f, MinBackoff: time.Hour}, wantErr: "MinBackoff"},
		{name: "zero values", cfg: secrets.Config{Client: f}},
		{name: "no stale", cfg: secrets.Config{Client: f, NoStale: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := secrets.New(tc.cfg)
			if tc.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, secrets.ErrInvalidConfig) || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "secrets: ") {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestTTL(t *testing.T) {
	f, clk := newFake(), newClock()
	f.set("db", "one")
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now, TTL: time.Minute})
	if got := mustGet(t, c, "db").Value(); got != "one" {
		t.Fatalf("got %q, want one", got)
	}
	f.set("db", "two")
	clk.Advance(54 * time.Second) // inside TTL minus the largest jitter (6 s)
	if got := mustGet(t, c, "db").Value(); got != "one" || f.Calls() != 1 {
		t.Fatalf("within TTL: got %q after %d calls, want cached one after 1", got, f.Calls())
	}
	clk.Advance(6 * time.Second) // exactly TTL: expired whatever the jitter
	if got := mustGet(t, c, "db").Value(); got != "two" || f.Calls() != 2 {
		t.Fatalf("after TTL: got %q after %d calls, want two after 2", got, f.Calls())
	}
}

func TestDefaultTTLIsFiveMinutes(t *testing.T) {
	f, clk := newFake(), newClock()
	f.set("db", "v")
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now})
	mustGet(t, c, "db")
	clk.Advance(4*time.Minute + 30*time.Second - 1) // 5 min less 10% jitter
	mustGet(t, c, "db")
	if f.Calls() != 1 {
		t.Fatalf("got %d calls before the TTL, want 1", f.Calls())
	}
	clk.Advance(30*time.Second + 1)
	mustGet(t, c, "db")
	if f.Calls() != 2 {
		t.Fatalf("got %d calls after 5 minutes, want 2", f.Calls())
	}
}

// TestJitterBounds checks that expiry is spread over the last tenth of the
// TTL: never earlier, never later, and not all at one instant.
func TestJitterBounds(t *testing.T) {
	f, clk := newFake(), newClock()
	const n = 200
	for i := range n {
		f.set(fmt.Sprint("s", i), "v")
	}
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now, TTL: 100 * time.Second})
	for i := range n {
		mustGet(t, c, fmt.Sprint("s", i))
	}
	clk.Advance(90*time.Second - time.Nanosecond)
	for i := range n {
		mustGet(t, c, fmt.Sprint("s", i))
	}
	if got := f.Calls(); got != n {
		t.Fatalf("before 90%% of TTL: %d calls, want %d (no expiry)", got, n)
	}
	clk.Advance(5 * time.Second) // 95 s: about half have expired
	for i := range n {
		mustGet(t, c, fmt.Sprint("s", i))
	}
	expired := f.Calls() - n
	if expired == 0 || expired == n {
		t.Fatalf("at 95%% of TTL: %d of %d expired, want some but not all (jitter)", expired, n)
	}
	clk.Advance(5 * time.Second) // 100 s from the first fetch
	before := f.Calls()
	for i := range n {
		mustGet(t, c, fmt.Sprint("s", i))
	}
	// Every value fetched at 0 s has expired; those refetched at 95 s have not.
	if got := f.Calls() - before; got != n-expired {
		t.Fatalf("at the TTL: %d refetched, want %d", got, n-expired)
	}
}

func TestLRUEviction(t *testing.T) {
	f, clk := newFake(), newClock()
	for _, id := range []string{"a", "b", "c"} {
		f.set(id, id)
	}
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now, MaxEntries: 2})
	step := func(id string) {
		clk.Advance(time.Millisecond)
		mustGet(t, c, id)
	}
	step("a")
	step("b")
	step("a") // a is now more recently used than b
	step("c") // evicts b
	if got := f.Calls(); got != 3 {
		t.Fatalf("got %d calls, want 3", got)
	}
	step("a")
	step("c")
	if got := f.Calls(); got != 3 {
		t.Fatalf("a and c should be cached: got %d calls, want 3", got)
	}
	step("b") // evicted: fetched again, evicting a
	if got := f.Calls(); got != 4 {
		t.Fatalf("b should have been evicted: got %d calls, want 4", got)
	}
}

// TestLRUEvictionAcrossStages: stages and versions of one secret are
// entries of their own for LRU.
func TestLRUEvictionAcrossStages(t *testing.T) {
	f, clk := newFake(), newClock()
	v := f.set("a", "a")
	f.pending["a"] = "a-next"
	f.set("b", "b")
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now, MaxEntries: 2})
	ctx := context.Background()
	steps := []struct {
		name      string
		get       func() (secrets.Secret, error)
		wantCalls int
	}{
		{"a current", func() (secrets.Secret, error) { return c.Get(ctx, "a") }, 1},
		{"a pending", func() (secrets.Secret, error) { return c.GetStage(ctx, "a", secrets.StagePending) }, 2},
		{"b evicts a current", func() (secrets.Secret, error) { return c.Get(ctx, "b") }, 3},
		{"a pending still cached", func() (secrets.Secret, error) { return c.GetStage(ctx, "a", secrets.StagePending) }, 3},
		{"a version evicts b", func() (secrets.Secret, error) { return c.GetVersion(ctx, "a", v) }, 4},
		{"a current refetched, evicting a pending", func() (secrets.Secret, error) { return c.Get(ctx, "a") }, 5},
		{"a version still cached", func() (secrets.Secret, error) { return c.GetVersion(ctx, "a", v) }, 5},
	}
	for _, st := range steps {
		clk.Advance(time.Millisecond)
		if _, err := st.get(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := f.Calls(); got != st.wantCalls {
			t.Fatalf("%s: got %d calls, want %d", st.name, got, st.wantCalls)
		}
		if n, ok := secrets.Entries(c); n > 2 || !ok {
			t.Fatalf("%s: %d entries (consistent: %v), want at most 2", st.name, n, ok)
		}
	}
	c.Invalidate("a")
	if n, ok := secrets.Entries(c); n != 0 || !ok {
		t.Fatalf("after Invalidate: %d entries (consistent: %v), want 0", n, ok)
	}
}

func TestStaleOnError(t *testing.T) {
	f, clk, m := newFake(), newClock(), &counters{}
	f.set("db", "old")
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now, TTL: time.Minute, MaxStale: 10 * time.Minute, Metrics: m.metrics()})
	mustGet(t, c, "db")
	f.setFail(&types.InternalServiceError{Message: aws.String("boom")})
	clk.Advance(time.Minute)

	// The refresh fails: the stale value is served, without error.
	if got := mustGet(t, c, "db").Value(); got != "old" {
		t.Fatalf("got %q, want the stale value", got)
	}
	if f.Calls() != 2 {
		t.Fatalf("got %d calls, want 2", f.Calls())
	}
	// Within the backoff: served from the cache, no call.
	clk.Advance(500 * time.Millisecond)
	for range 10 {
		if got := mustGet(t, c, "db").Value(); got != "old" {
			t.Fatalf("got %q, want the stale value", got)
		}
	}
	if f.Calls() != 2 {
		t.Fatalf("during backoff: got %d calls, want 2", f.Calls())
	}
	if got := m.get(); got[3] != 1 || got[4] != 11 {
		t.Errorf("metrics [hit miss refresh refreshErr stale] = %v, want 1 refresh error and 11 stale served", got)
	}
	// Past MaxStale, the error comes through.
	clk.Advance(10 * time.Minute)
	_, err := c.Get(context.Background(), "db")
	if !errors.Is(err, secrets.ErrUnavailable) {
		t.Fatalf("past MaxStale: got %v, want ErrUnavailable", err)
	}
	// Secrets Manager recovers: the next attempt after the backoff succeeds.
	f.setFail(nil)
	f.set("db", "new")
	clk.Advance(time.Hour)
	if got := mustGet(t, c, "db").Value(); got != "new" {
		t.Fatalf("after recovery: got %q, want new", got)
	}
}

type definitiveCase struct {
	name      string
	err       error // from the client
	want      error
	keepValue bool // not definitive after all: an outage
}

// definitiveErrors are Secrets Manager's considered answers: someone
// deleted the secret or revoked access to it or its key on purpose.
func definitiveErrors() []definitiveCase {
	return []definitiveCase{
		{name: "deleted", err: &types.ResourceNotFoundException{Message: aws.String("m")}, want: secrets.ErrNotFound},
		{name: "access revoked", err: &smithy.GenericAPIError{Code: "AccessDeniedException"}, want: secrets.ErrAccessDenied},
		{name: "KMS key disabled", err: &types.DecryptionFailure{Message: aws.String("m")}, want: secrets.ErrDecryption},
		{name: "scheduled for deletion", err: &types.InvalidRequestException{Message: aws.String("m")}, want: secrets.ErrInvalidRequest},
	}
}

// cachedThenFailing returns a cache holding "old" for "db", with a TTL of
// a minute, whose client now fails with err.
func cachedThenFailing(t *testing.T, err error) (*fakeClient, *clock, *secrets.Cache) {
	t.Helper()
	f, clk := newFake(), newClock()
	f.set("db", "old")
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now, TTL: time.Minute})
	mustGet(t, c, "db")
	f.setFail(err)
	return f, clk, c
}

// TestDefinitiveErrorsFailClosed: a secret deleted, or access to it
// revoked, is not papered over with the stale value.
func TestDefinitiveErrorsFailClosed(t *testing.T) {
	for _, tc := range definitiveErrors() {
		t.Run(tc.name, func(t *testing.T) {
			f, clk, c := cachedThenFailing(t, tc.err)
			clk.Advance(time.Minute)
			for range 3 { // the fetch, then the cached error during backoff
				if s, err := c.Get(context.Background(), "db"); !errors.Is(err, tc.want) {
					t.Fatalf("got %q, %v; want %v and no stale value", s.Value(), err, tc.want)
				}
			}
			if f.Calls() != 2 {
				t.Fatalf("got %d calls, want 2", f.Calls())
			}
		})
	}
}

// TestDefinitiveRefreshDropsValue: a Refresh told that the secret is gone
// or off limits stops Get serving the cached value, even within its TTL;
// an outage does not.
func TestDefinitiveRefreshDropsValue(t *testing.T) {
	tests := definitiveErrors()
	tests = append(tests, definitiveCase{name: "outage keeps the value", err: &types.InternalServiceError{Message: aws.String("m")}, want: secrets.ErrUnavailable, keepValue: true})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, clk, c := cachedThenFailing(t, tc.err)
			if _, err := c.Refresh(context.Background(), "db"); !errors.Is(err, tc.want) {
				t.Fatalf("Refresh: got %v, want %v", err, tc.want)
			}
			clk.Advance(100 * time.Millisecond) // within the TTL and the backoff
			s, err := c.Get(context.Background(), "db")
			switch {
			case tc.keepValue && (err != nil || s.Value() != "old"):
				t.Fatalf("Get: got %q, %v; want the cached value", s.Value(), err)
			case !tc.keepValue && (!errors.Is(err, tc.want) || s.Value() != ""):
				t.Fatalf("Get: got %q, %v; want %v and no value", s.Value(), err, tc.want)
			}
			if f.Calls() != 2 {
				t.Fatalf("got %d calls, want 2 (the Get answers from the cache)", f.Calls())
			}
		})
	}
}

func TestNoStale(t *testing.T) {
	f, clk := newFake(), newClock()
	f.set("db", "old")
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now, TTL: time.Minute, NoStale: true})
	mustGet(t, c, "db")
	f.setFail(&types.InternalServiceError{Message: aws.String("boom")})
	clk.Advance(time.Minute)
	if s, err := c.Get(context.Background(), "db"); !errors.Is(err, secrets.ErrUnavailable) {
		t.Fatalf("got %v, %v; want ErrUnavailable and no stale value", s, err)
	}
}

// TestBackoff checks that a failing secret is retried after waits that
// double from MinBackoff up to MaxBackoff, jitter taking at most a fifth.
func TestBackoff(t *testing.T) {
	f, clk := newFake(), newClock()
	f.setFail(&types.ResourceNotFoundException{Message: aws.String("nope")})
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now, MinBackoff: time.Second, MaxBackoff: 8 * time.Second})
	get := func() error {
		_, err := c.Get(context.Background(), "missing")
		return err
	}
	if err := get(); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	calls := 1
	for i, wait := range []time.Duration{1, 2, 4, 8, 8, 8} {
		wait *= time.Second
		// Just before the shortest possible wait: the cached error, no call.
		clk.Advance(wait*4/5 - time.Millisecond)
		if err := get(); !errors.Is(err, secrets.ErrNotFound) || f.Calls() != calls {
			t.Fatalf("failure %d, before %v: got %v after %d calls, want the cached ErrNotFound after %d", i+1, wait*4/5, err, f.Calls(), calls)
		}
		// At the longest possible wait: a new attempt.
		clk.Advance(wait/5 + time.Millisecond)
		calls++
		if err := get(); !errors.Is(err, secrets.ErrNotFound) || f.Calls() != calls {
			t.Fatalf("failure %d, after %v: got %v after %d calls, want a new attempt (%d calls)", i+1, wait, err, f.Calls(), calls)
		}
	}
}

// TestBackoffCapNearMaxDuration: doubling towards a MaxBackoff close to
// the largest duration must not overflow into no backoff at all, which
// would send every Get to a failing Secrets Manager.
func TestBackoffCapNearMaxDuration(t *testing.T) {
	f, clk := newFake(), newClock()
	f.setFail(&types.InternalServiceError{Message: aws.String("boom")})
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now, MaxBackoff: time.Duration(math.MaxInt64)})
	for i := range 100 {
		if _, err := c.Refresh(context.Background(), "db"); !errors.Is(err, secrets.ErrUnavailable) {
			t.Fatalf("refresh %d: got %v, want ErrUnavailable", i, err)
		}
	}
	clk.Advance(24 * time.Hour)
	for range 3 {
		if _, err := c.Get(context.Background(), "db"); !errors.Is(err, secrets.ErrUnavailable) {
			t.Fatalf("got %v, want the cached ErrUnavailable", err)
		}
	}
	if got := f.Calls(); got != 100 {
		t.Fatalf("got %d calls, want 100: Get must back off after 100 failures", got)
	}
}

func TestRefreshAndInvalidate(t *testing.T) {
	f, clk := newFake(), newClock()
	v1 := f.set("db", "one")
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now})
	ctx := context.Background()
	if s := mustGet(t, c, "db"); s.VersionID() != v1 {
		t.Fatalf("got version %q, want %q", s.VersionID(), v1)
	}
	v2 := f.set("db", "two")

	s, err := c.Refresh(ctx, "db")
	if err != nil || s.Value() != "two" || s.VersionID() != v2 {
		t.Fatalf("Refresh: got %v %q, %v; want two", s, s.Value(), err)
	}
	if got := mustGet(t, c, "db").Value(); got != "two" || f.Calls() != 2 {
		t.Fatalf("Get after Refresh: got %q after %d calls, want cached two after 2", got, f.Calls())
	}

	// Refresh skips the backoff after a failure and never serves stale.
	f.setFail(&types.InternalServiceError{Message: aws.String("boom")})
	if _, err := c.Refresh(ctx, "db"); !errors.Is(err, secrets.ErrUnavailable) {
		t.Fatalf("failing Refresh: got %v, want ErrUnavailable", err)
	}
	f.setFail(nil)
	f.set("db", "three")
	if s, err := c.Refresh(ctx, "db"); err != nil || s.Value() != "three" {
		t.Fatalf("Refresh during backoff: got %q, %v; want three", s.Value(), err)
	}

	// Invalidate drops every stage of the secret without fetching.
	f.pending["db"] = "four"
	if s, err := c.GetStage(ctx, "db", secrets.StagePending); err != nil || s.Value() != "four" {
		t.Fatalf("GetStage pending: %q, %v", s.Value(), err)
	}
	f.set("db", "five")
	f.pending["db"] = "six"
	calls := f.Calls()
	c.Invalidate("db")
	if f.Calls() != calls {
		t.Fatal("Invalidate fetched")
	}
	if got := mustGet(t, c, "db").Value(); got != "five" {
		t.Fatalf("Get after Invalidate: got %q, want five", got)
	}
	if s, _ := c.GetStage(ctx, "db", secrets.StagePending); s.Value() != "six" {
		t.Fatalf("GetStage after Invalidate: got %q, want six", s.Value())
	}
	c.Invalidate("never-cached") // no-op
}

func TestInvalidateClearsCachedError(t *testing.T) {
	f, clk := newFake(), newClock()
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now})
	if _, err := c.Get(context.Background(), "db"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	f.set("db", "created")
	c.Invalidate("db")
	if got := mustGet(t, c, "db").Value(); got != "created" {
		t.Fatalf("got %q, want created", got)
	}
}

func TestStagesAndVersions(t *testing.T) {
	f, clk := newFake(), newClock()
	v1 := f.set("db", "one")
	f.pending["db"] = "next"
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now, TTL: time.Minute})
	ctx := context.Background()

	tests := []struct {
		name      string
		get       func() (secrets.Secret, error)
		wantValue string
		wantErr   error
		wantStage string
	}{
		{name: "current", get: func() (secrets.Secret, error) { return c.Get(ctx, "db") }, wantValue: "one", wantStage: "AWSCURRENT"},
		{name: "empty stage is current", get: func() (secrets.Secret, error) { return c.GetStage(ctx, "db", "") }, wantValue: "one", wantStage: "AWSCURRENT"},
		{name: "pending", get: func() (secrets.Secret, error) { return c.GetStage(ctx, "db", secrets.StagePending) }, wantValue: "next", wantStage: "AWSPENDING"},
		{name: "version", get: func() (secrets.Secret, error) { return c.GetVersion(ctx, "db", v1) }, wantValue: "one", wantStage: "AWSCURRENT"},
		{name: "unknown version", get: func() (secrets.Secret, error) { return c.GetVersion(ctx, "db", "db#9") }, wantErr: secrets.ErrNotFound},
		{name: "empty version", get: func() (secrets.Secret, error) { return c.GetVersion(ctx, "db", "") }, wantErr: secrets.ErrInvalidRequest},
		{name: "empty id", get: func() (secrets.Secret, error) { return c.Get(ctx, "") }, wantErr: secrets.ErrInvalidRequest},
		{name: "empty id refresh", get: func() (secrets.Secret, error) { return c.Refresh(ctx, "") }, wantErr: secrets.ErrInvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := tc.get()
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || s.Value() != tc.wantValue || s.Stages()[0] != tc.wantStage {
				t.Fatalf("got %q %v, %v; want %q %s", s.Value(), s.Stages(), err, tc.wantValue, tc.wantStage)
			}
		})
	}
	// A version id never expires: it is immutable.
	calls := f.Calls()
	clk.Advance(24 * time.Hour)
	if _, err := c.GetVersion(ctx, "db", v1); err != nil || f.Calls() != calls {
		t.Fatalf("version after a day: %v after %d calls, want cached after %d", err, f.Calls(), calls)
	}
	for _, in := range f.inputs {
		if (in.VersionId == nil) == (in.VersionStage == nil) {
			t.Errorf("request %+v: want exactly one of VersionId and VersionStage", in)
		}
	}
}

// TestSingleFlightColdKey: 1,000 goroutines miss the same key at once and
// make exactly one call.
func TestSingleFlightColdKey(t *testing.T) {
	f, clk, m := newFake(), newClock(), &counters{}
	f.set("db", "v")
	f.hold()
	f.started = make(chan struct{}, 10)
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now, Metrics: m.metrics()})
	const n = 1000
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	ready.Add(n)
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			ready.Done()
			s, err := c.Get(context.Background(), "db")
			if err == nil && s.Value() != "v" {
				err = fmt.Errorf("got %q", s.Value())
			}
			errs <- err
		})
	}
	ready.Wait()
	<-f.started
	f.release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := f.Calls(); got != 1 {
		t.Fatalf("got %d calls, want 1", got)
	}
	if got := m.get(); got[0]+got[1] != n || got[2] != 1 {
		t.Errorf("metrics [hit miss refresh ...] = %v, want hits+misses = %d and one refresh", got, n)
	}
}

// TestWaiterGivesUp: a caller whose ctx ends returns at once; the shared
// fetch is not cancelled and serves the others.
func TestWaiterGivesUp(t *testing.T) {
	f, clk := newFake(), newClock()
	f.set("db", "v")
	f.hold()
	f.started = make(chan struct{}, 1)
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now})

	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error)
	go func() {
		_, err := c.Get(ctx, "db")
		gaveUp <- err
	}()
	<-f.started
	patient := make(chan secrets.Secret)
	go func() {
		s, _ := c.Get(context.Background(), "db")
		patient <- s
	}()
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), `"db"`) {
		t.Fatalf("cancelled caller: got %v, want context.Canceled naming the secret", err)
	}
	f.release()
	if s := <-patient; s.Value() != "v" {
		t.Fatalf("patient caller got %q, want v", s.Value())
	}
	if f.Calls() != 1 || f.ctxErrs[0] != nil {
		t.Fatalf("got %d calls, fetch ctx error %v; want 1 call that was not cancelled", f.Calls(), f.ctxErrs[0])
	}
}

func TestGaveUpGetsStaleValue(t *testing.T) {
	f, clk := newFake(), newClock()
	f.set("db", "old")
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now, TTL: time.Minute})
	mustGet(t, c, "db")
	clk.Advance(time.Minute)
	f.hold()
	defer f.release()
	f.started = make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan secrets.Secret)
	go func() {
		s, err := c.Get(ctx, "db")
		if err != nil {
			t.Error(err)
		}
		done <- s
	}()
	<-f.started
	cancel()
	if s := <-done; s.Value() != "old" {
		t.Fatalf("got %q, want the stale value", s.Value())
	}
}

func TestCancelledCallerStartsNoFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.set("db", "v")
		c := newCache(t, secrets.Config{Client: f})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.Get(ctx, "db"); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		if _, err := c.Refresh(ctx, "db"); !errors.Is(err, context.Canceled) {
			t.Fatalf("Refresh: got %v, want context.Canceled", err)
		}
		synctest.Wait() // a fetch started in the background would have run by now
		if f.Calls() != 0 {
			t.Fatalf("got %d calls, want 0", f.Calls())
		}
	})
}

// TestPanickingHookWakesWaiters: a Metrics hook that panics on the
// goroutine running the fetch (a caller whose ctx never ends runs it
// itself) reaches that caller, and the callers waiting for the same fetch
// still get its result instead of waiting for ever.
func TestPanickingHookWakesWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake()
		f.set("db", "v")
		f.hold()
		f.started = make(chan struct{}, 1)
		c := newCache(t, secrets.Config{Client: f, Metrics: secrets.Metrics{
			Refresh: func(string, time.Duration) { panic("hook bug") },
		}})
		leader := make(chan any)
		go func() {
			defer func() { leader <- recover() }()
			c.Get(context.Background(), "db")
		}()
		<-f.started
		waiter := make(chan string)
		go func() {
			s, err := c.Get(context.Background(), "db")
			if err != nil {
				t.Error(err)
			}
			waiter <- s.Value()
		}()
		synctest.Wait() // the waiter is waiting for the leader's fetch
		f.release()
		if got := <-waiter; got != "v" {
			t.Fatalf("waiter got %q, want v", got)
		}
		if p := <-leader; p != "hook bug" {
			t.Fatalf("leader recovered %v, want the hook's panic", p)
		}
	})
}

// TestFetchTimeout: a fetch that hangs ends at FetchTimeout with
// ErrUnavailable and the VPC hint.
func TestFetchTimeout(t *testing.T) {
	f := newFake()
	f.set("db", "v")
	f.hold()
	defer f.release()
	c := newCache(t, secrets.Config{Client: f, FetchTimeout: time.Millisecond})
	_, err := c.Get(context.Background(), "db")
	if !errors.Is(err, secrets.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "VPC endpoint") {
		t.Fatalf("got %v, want ErrUnavailable wrapping DeadlineExceeded with the VPC hint", err)
	}
}

func TestClientPanic(t *testing.T) {
	f := newFake()
	f.set("db", "v")
	f.panicVal = "password=hunter2-is-the-secret"
	c := newCache(t, secrets.Config{Client: f})
	_, err := c.Get(context.Background(), "db")
	if !errors.Is(err, secrets.ErrUnavailable) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("got %v, want ErrUnavailable without the panic value", err)
	}
}

func TestPrefetch(t *testing.T) {
	f, clk := newFake(), newClock()
	f.set("a", "1")
	f.set("b", "2")
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now})
	err := c.Prefetch(context.Background(), "a", "b", "missing")
	if !errors.Is(err, secrets.ErrNotFound) || !strings.Contains(err.Error(), `"missing"`) {
		t.Fatalf("got %v, want ErrNotFound for missing", err)
	}
	mustGet(t, c, "a")
	mustGet(t, c, "b")
	if f.Calls() != 3 {
		t.Fatalf("got %d calls, want 3 (prefetched values served from cache)", f.Calls())
	}
	if err := c.Prefetch(context.Background()); err != nil {
		t.Fatalf("empty Prefetch: %v", err)
	}

	// Prefetch is bounded by ctx.
	f.set("slow", "v")
	f.hold()
	defer f.release()
	ctx, cancel := context.WithCancel(context.Background())
	f.started = make(chan struct{}, 1)
	go func() { <-f.started; cancel() }()
	if err := c.Prefetch(ctx, "slow"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestMetrics(t *testing.T) {
	f, clk, m := newFake(), newClock(), &counters{}
	f.set("db", "v")
	c := newCache(t, secrets.Config{Client: f, Now: clk.Now, TTL: time.Minute, Metrics: m.metrics()})
	mustGet(t, c, "db") // miss, refresh
	mustGet(t, c, "db") // hit
	mustGet(t, c, "db") // hit
	clk.Advance(time.Minute)
	mustGet(t, c, "db") // miss (expired), refresh
	if got, want := m.get(), [5]int{2, 2, 2, 0, 0}; got != want {
		t.Fatalf("metrics [hit miss refresh refreshErr stale] = %v, want %v", got, want)
	}
}

// TestConcurrentUse exercises every method at once under -race, with a
// fake clock (hits read it) and with the real one (hits load the state
// that expiry timers clear; a 2 ms TTL makes them fire during the test).
func TestConcurrentUse(t *testing.T) {
	clk := newClock()
	tests := []struct {
		name    string
		cfg     secrets.Config
		advance func()
	}{
		{"fake clock", secrets.Config{Now: clk.Now, TTL: time.Second}, func() { clk.Advance(100 * time.Millisecond) }},
		{"real clock", secrets.Config{TTL: 2 * time.Millisecond}, func() { time.Sleep(100 * time.Microsecond) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			for i := range 5 {
				f.set(fmt.Sprint("s", i), "v")
			}
			cfg := tc.cfg
			cfg.Client, cfg.MaxEntries = f, 3
			c := newCache(t, cfg)
			ctx := context.Background()
			var wg sync.WaitGroup
			for g := range 16 {
				wg.Go(func() {
					for i := range 200 {
						id := fmt.Sprint("s", (g+i)%6) // s5 does not exist
						switch i % 7 {
						case 0:
							c.Invalidate(id)
						case 1:
							_, _ = c.Refresh(ctx, id)
						case 2:
							_, _ = c.GetStage(ctx, id, secrets.StagePrevious)
						case 3:
							tc.advance()
						default:
							s, err := c.Get(ctx, id)
							if err == nil && s.Value() != "v" {
								t.Errorf("got %q", s.Value())
							}
						}
					}
				})
			}
			wg.Wait()
			if n, ok := secrets.Entries(c); n > 3 || !ok {
				t.Fatalf("%d entries (consistent: %v), want at most 3", n, ok)
			}
		})
	}
}
