package secrets_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/lambdasec/lambdasec/internal/clocktest"
	"github.com/lambdasec/lambdasec/secrets"
)

// clock is a fake clock that moves only when told to.
type clock = clocktest.Clock

func newClock() *clock { return clocktest.New() }

// fakeClient is an in-memory Client. Values are keyed by id and stage;
// version ids are "<id>#<n>". It can fail, block and count calls.
type fakeClient struct {
	mu       sync.Mutex
	values   map[string]string // id -> current value
	versions map[string]int    // id -> current version number
	pending  map[string]string
	calls    int
	inputs   []secretsmanager.GetSecretValueInput
	fail     error         // returned by every call while set
	gate     chan struct{} // calls wait for it to close (or ctx) while set
	started  chan struct{} // receives once per call, if set
	ctxErrs  []error       // ctx.Err() seen by each call when it returned
	panicVal any
}

func newFake() *fakeClient {
	return &fakeClient{values: map[string]string{}, versions: map[string]int{}, pending: map[string]string{}}
}

func (f *fakeClient) set(id, value string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.values[id] = value
	f.versions[id]++
	return fmt.Sprintf("%s#%d", id, f.versions[id])
}

func (f *fakeClient) setFail(err error) {
	f.mu.Lock()
	f.fail = err
	f.mu.Unlock()
}

func (f *fakeClient) hold() {
	f.mu.Lock()
	f.gate = make(chan struct{})
	f.mu.Unlock()
}

func (f *fakeClient) release() {
	f.mu.Lock()
	if f.gate != nil {
		close(f.gate)
		f.gate = nil
	}
	f.mu.Unlock()
}

func (f *fakeClient) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.mu.Lock()
	f.calls++
	f.inputs = append(f.inputs, *in)
	gate, started, p := f.gate, f.started, f.panicVal
	f.mu.Unlock()
	if started != nil {
		started <- struct{}{}
	}
	if p != nil {
		panic(p)
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ctxErrs = append(f.ctxErrs, ctx.Err())
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("operation error Secrets Manager: GetSecretValue: %w", err)
	}
	if f.fail != nil {
		return nil, f.fail
	}
	id := aws.ToString(in.SecretId)
	v, ok := f.values[id]
	stage, version := aws.ToString(in.VersionStage), aws.ToString(in.VersionId)
	cur := fmt.Sprintf("%s#%d", id, f.versions[id])
	switch {
	case !ok:
		return nil, &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
	case stage == secrets.StagePending:
		p, ok := f.pending[id]
		if !ok {
			return nil, &types.ResourceNotFoundException{Message: aws.String("no pending version")}
		}
		return out(id, id+"#pending", p, secrets.StagePending), nil
	case version != "" && version != cur:
		return nil, &types.ResourceNotFoundException{Message: aws.String("no such version")}
	}
	return out(id, cur, v, secrets.StageCurrent), nil
}

func out(id, version, value, stage string) *secretsmanager.GetSecretValueOutput {
	return &secretsmanager.GetSecretValueOutput{
		Name:          aws.String(id),
		ARN:           aws.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:" + id + "-AbCdEf"),
		VersionId:     aws.String(version),
		VersionStages: []string{stage},
		SecretString:  aws.String(value),
		CreatedDate:   aws.Time(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
	}
}

// counters records Metrics hooks.
type counters struct {
	mu                                          sync.Mutex
	hit, miss, refresh, refreshErr, staleServed int
}

func (c *counters) metrics() secrets.Metrics {
	inc := func(p *int) {
		c.mu.Lock()
		*p++
		c.mu.Unlock()
	}
	return secrets.Metrics{
		Hit:          func(string) { inc(&c.hit) },
		Miss:         func(string) { inc(&c.miss) },
		Refresh:      func(string, time.Duration) { inc(&c.refresh) },
		RefreshError: func(string, error) { inc(&c.refreshErr) },
		StaleServed:  func(string, time.Duration) { inc(&c.staleServed) },
	}
}

func (c *counters) get() [5]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return [5]int{c.hit, c.miss, c.refresh, c.refreshErr, c.staleServed}
}

func newCache(t testing.TB, cfg secrets.Config) *secrets.Cache {
	t.Helper()
	c, err := secrets.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func mustGet(t testing.TB, c *secrets.Cache, id string) secrets.Secret {
	t.Helper()
	s, err := c.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%q): %v", id, err)
	}
	return s
}
