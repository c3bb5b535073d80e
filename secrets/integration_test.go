package secrets_test

// Integration tests: the real aws-sdk-go-v2 Secrets Manager client (SigV4
// signing, retries, JSON 1.1 error decoding) against a loopback server that
// speaks the Secrets Manager protocol.

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/lambdasec/lambdasec/internal/smfake"
	"github.com/lambdasec/lambdasec/secrets"
)

func newSM(t *testing.T) *smfake.Server {
	t.Helper()
	s := smfake.New()
	t.Cleanup(s.Close)
	return s
}

func TestSDKGet(t *testing.T) {
	sm := newSM(t)
	v1 := sm.Put("prod/db", secretValue)
	v2 := sm.Put("prod/db", `{"username":"app","password":"rotated"}`)
	pend := sm.PutPending("prod/db", `{"username":"app","password":"next"}`)
	sm.PutBinary("prod/key", []byte{0, 1, 2, 0xff})
	c := newCache(t, secrets.Config{Client: sm.Client()})
	ctx := context.Background()

	s, err := c.Get(ctx, "prod/db")
	if err != nil || s.VersionID() != v2 || s.ARN() != sm.ARN("prod/db") || s.Name() != "prod/db" || s.CreatedDate().IsZero() {
		t.Fatalf("Get: %v, %v", s, err)
	}
	creds, err := secrets.GetJSON[secrets.DBCredentials](ctx, c, "prod/db")
	if err != nil || creds.Password() != "rotated" {
		t.Fatalf("GetJSON: %v, %v", creds, err)
	}
	if s, err := c.GetStage(ctx, "prod/db", secrets.StagePrevious); err != nil || s.VersionID() != v1 {
		t.Fatalf("previous: %v, %v", s, err)
	}
	if s, err := c.GetStage(ctx, "prod/db", secrets.StagePending); err != nil || s.VersionID() != pend {
		t.Fatalf("pending: %v, %v", s, err)
	}
	if s, err := c.GetVersion(ctx, "prod/db", v1); err != nil || s.Value() != secretValue {
		t.Fatalf("version: %v, %v", s, err)
	}
	if s, err := c.Get(ctx, sm.ARN("prod/db")); err != nil || s.VersionID() != v2 {
		t.Fatalf("by ARN: %v, %v", s, err)
	}
	if s, err := c.Get(ctx, "prod/key"); err != nil || !s.IsBinary() || string(s.Bytes()) != "\x00\x01\x02\xff" {
		t.Fatalf("binary: %v, %v", s, err)
	}
	calls := sm.Calls()
	for range 100 {
		if _, err := c.Get(ctx, "prod/db"); err != nil {
			t.Fatal(err)
		}
	}
	if sm.Calls() != calls {
		t.Fatalf("cached gets made %d calls", sm.Calls()-calls)
	}
	for _, r := range sm.Requests() {
		if (r.VersionID == "") == (r.VersionStage == "") {
			t.Errorf("request %+v: want exactly one of VersionId and VersionStage", r)
		}
	}
}

func TestSDKErrors(t *testing.T) {
	sm := newSM(t)
	sm.Put("db", "v")
	// One attempt, so that each injected failure is the final answer.
	client := secretsmanager.NewFromConfig(sm.AWSConfig(), func(o *secretsmanager.Options) { o.RetryMaxAttempts = 1 })
	tests := []struct {
		name   string
		inject string
		id     string
		want   error
	}{
		{name: "no such secret", id: "missing", want: secrets.ErrNotFound},
		{name: "access denied", inject: "AccessDeniedException", want: secrets.ErrAccessDenied},
		{name: "decryption", inject: "DecryptionFailure", want: secrets.ErrDecryption},
		{name: "throttled", inject: "ThrottlingException", want: secrets.ErrThrottled},
		{name: "scheduled for deletion", inject: "InvalidRequestException", want: secrets.ErrInvalidRequest},
		{name: "internal", inject: "InternalServiceError", want: secrets.ErrUnavailable},
		{name: "unavailable", inject: "ServiceUnavailable", want: secrets.ErrUnavailable},
		{name: "expired token", inject: "ExpiredTokenException", want: secrets.ErrAccessDenied},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCache(t, secrets.Config{Client: client})
			if tc.inject != "" {
				sm.FailNext(1, tc.inject)
			}
			id := tc.id
			if id == "" {
				id = "db"
			}
			_, err := c.Get(context.Background(), id)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), `"`+id+`"`) {
				t.Fatalf("got %v, want %v naming %q", err, tc.want, id)
			}
		})
	}
}

// TestSDKThrottlingEpisode: during a throttling episode, 50 concurrent
// callers on a cold key make one logical fetch; the SDK retries it, and all
// callers get the value.
func TestSDKThrottlingEpisode(t *testing.T) {
	sm := newSM(t)
	sm.Put("db", "v")
	sm.FailNext(2, "ThrottlingException")
	c := newCache(t, secrets.Config{Client: sm.Client()})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			s, err := c.Get(context.Background(), "db")
			if err == nil && s.Value() != "v" {
				err = errors.New("wrong value")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := sm.Calls(); got != 3 {
		t.Fatalf("got %d requests, want 3: one fetch, two SDK retries", got)
	}
}

// TestSDKOutage: the SDK's retries are exhausted; the cache serves the stale
// value and backs off instead of calling again.
func TestSDKOutage(t *testing.T) {
	sm := newSM(t)
	sm.Put("db", "old")
	clk := newClock()
	c := newCache(t, secrets.Config{Client: sm.Client(), Now: clk.Now, TTL: time.Minute})
	mustGet(t, c, "db")
	sm.FailNext(1000, "InternalServiceError")
	clk.Advance(time.Minute)
	before := sm.Calls()
	for range 20 {
		if got := mustGet(t, c, "db").Value(); got != "old" {
			t.Fatalf("got %q, want the stale value", got)
		}
	}
	if got := sm.Calls() - before; got != 3 {
		t.Fatalf("got %d requests during the outage, want 3 (one fetch, SDK attempts)", got)
	}
	// A cold key has no value to serve: the error, cached during backoff.
	sm.Put("other", "v")
	for range 5 {
		if _, err := c.Get(context.Background(), "other"); !errors.Is(err, secrets.ErrUnavailable) {
			t.Fatalf("got %v, want ErrUnavailable", err)
		}
	}
	if got := sm.Calls() - before; got != 6 {
		t.Fatalf("got %d requests, want 6", got)
	}
}

// TestSDKRotation follows a rotation: the cache keeps the old value until
// told, then Refresh picks up the new version at once.
func TestSDKRotation(t *testing.T) {
	sm := newSM(t)
	old := sm.Put("db", `{"username":"app","password":"old-pw"}`)
	c := newCache(t, secrets.Config{Client: sm.Client()})
	ctx := context.Background()
	if s := mustGet(t, c, "db"); s.VersionID() != old {
		t.Fatalf("got %s, want %s", s.VersionID(), old)
	}
	// createSecret and setSecret: the database now accepts only "new-pw".
	next := sm.PutPending("db", `{"username":"app","password":"new-pw"}`)

	// The login with the cached password fails. Refresh: AWSCURRENT has not
	// moved yet, so the version is unchanged; AWSPENDING has the new one.
	s, err := c.Refresh(ctx, "db")
	if err != nil || s.VersionID() != old {
		t.Fatalf("Refresh before finishSecret: %v, %v", s, err)
	}
	p, err := c.RefreshStage(ctx, "db", secrets.StagePending)
	if err != nil || p.VersionID() != next {
		t.Fatalf("RefreshStage pending: %v, %v", p, err)
	}
	// finishSecret.
	sm.PromotePending("db")
	if s := mustGet(t, c, "db"); s.VersionID() != old {
		t.Fatalf("Get within TTL: got %s, want the cached %s", s.VersionID(), old)
	}
	s, err = c.Refresh(ctx, "db")
	if err != nil || s.VersionID() != next {
		t.Fatalf("Refresh after finishSecret: %v, %v", s, err)
	}
	var creds secrets.DBCredentials
	if err := s.Decode(&creds); err != nil || creds.Password() != "new-pw" {
		t.Fatalf("Decode: %v", err)
	}
}

// TestSDKWaiterGivesUp: a held request; one caller gives up, the fetch goes
// on and serves the other.
func TestSDKWaiterGivesUp(t *testing.T) {
	sm := newSM(t)
	sm.Put("db", "v")
	sm.Hold()
	c := newCache(t, secrets.Config{Client: sm.Client()})
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error)
	go func() {
		_, err := c.Get(ctx, "db")
		gaveUp <- err
	}()
	if !sm.WaitCalls(t.Context(), 1) {
		t.Fatal("no request arrived")
	}
	patient := make(chan error)
	go func() {
		_, err := c.Get(context.Background(), "db")
		patient <- err
	}()
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	sm.Release()
	if err := <-patient; err != nil {
		t.Fatal(err)
	}
	if sm.Calls() != 1 {
		t.Fatalf("got %d requests, want 1", sm.Calls())
	}
}

// TestSDKTimeoutHint: an endpoint that never answers ends at FetchTimeout
// with the VPC endpoint hint.
func TestSDKTimeoutHint(t *testing.T) {
	sm := newSM(t)
	sm.Put("db", "v")
	sm.Hold()
	c := newCache(t, secrets.Config{Client: sm.Client(), FetchTimeout: 50 * time.Millisecond})
	_, err := c.Get(context.Background(), "db")
	if !errors.Is(err, secrets.ErrUnavailable) || !strings.Contains(err.Error(), "VPC endpoint") {
		t.Fatalf("got %v, want ErrUnavailable with the VPC hint", err)
	}
}

// TestSDKEndpointFromEnvironment: the standard AWS_ENDPOINT_URL_SECRETS_MANAGER
// variable, read by config.LoadDefaultConfig, points the client at the
// local endpoint.
func TestSDKEndpointFromEnvironment(t *testing.T) {
	sm := newSM(t)
	sm.Put("db", "v")
	dir := t.TempDir()
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", sm.URL())
	t.Setenv("AWS_REGION", smfake.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", smfake.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", smfake.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := newCache(t, secrets.Config{Client: secretsmanager.NewFromConfig(cfg)})
	if got := mustGet(t, c, "db").Value(); got != "v" || sm.Calls() != 1 {
		t.Fatalf("got %q after %d requests", got, sm.Calls())
	}
}

func TestSDKPrefetch(t *testing.T) {
	sm := newSM(t)
	sm.Put("a", "1")
	sm.Put("b", "2")
	c := newCache(t, secrets.Config{Client: sm.Client()})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Prefetch(ctx, "a", "b"); err != nil {
		t.Fatal(err)
	}
	mustGet(t, c, "a")
	mustGet(t, c, "b")
	if sm.Calls() != 2 {
		t.Fatalf("got %d requests, want 2", sm.Calls())
	}
}
