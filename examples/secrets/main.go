// Command secrets shows package secrets caching a database secret from
// Secrets Manager through the real AWS SDK: one API call for any number of
// concurrent readers, values that never print, a forced refresh after a
// rotation, and the stale value served while Secrets Manager fails.
//
//	go run ./examples/secrets
//
// By default it talks to a local stand-in for Secrets Manager on loopback,
// so it needs no AWS account. SECRET_ID switches to the real service: it
// then reads that secret with the SDK's usual configuration (AWS_REGION,
// credentials, AWS_ENDPOINT_URL_SECRETS_MANAGER) and prints it redacted.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/lambdasec/lambdasec/internal/smfake"
	"github.com/lambdasec/lambdasec/secrets"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "secrets:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, getenv func(string) string) error {
	if id := getenv("SECRET_ID"); id != "" {
		return real(ctx, w, id)
	}

	sm := smfake.New() // a loopback Secrets Manager for this demo
	defer sm.Close()
	// Sample values: generate your own.
	sm.Put("prod/db", `{"engine":"mysql","host":"db.example.internal","port":3306,"username":"app","password":"example-only-Xq7#v9","dbname":"ledger"}`)
	d, err := newDemo(w, sm)
	if err != nil {
		return err
	}
	creds, err := d.coldReaders(ctx)
	if err != nil {
		return err
	}
	d.neverPrinted(creds)
	fresh, err := d.rotation(ctx)
	if err != nil {
		return err
	}
	d.staleOnFailure(ctx, fresh)
	d.errorsNameTheSecret(ctx)
	return nil
}

// demo is a cache in front of the fake Secrets Manager, on a clock moved
// by hand, counting its hits.
type demo struct {
	w     io.Writer
	sm    *smfake.Server
	cache *secrets.Cache
	now   atomic.Int64 // the cache's clock, in Unix nanoseconds
	hits  atomic.Int64
}

func newDemo(w io.Writer, sm *smfake.Server) (*demo, error) {
	d := &demo{w: w, sm: sm}
	d.now.Store(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC).UnixNano())
	var misses atomic.Int64
	cache, err := secrets.New(secrets.Config{
		Client:  secretsmanager.NewFromConfig(sm.AWSConfig()),
		TTL:     5 * time.Minute,
		Now:     func() time.Time { return time.Unix(0, d.now.Load()) },
		Metrics: secrets.Metrics{Hit: func(string) { d.hits.Add(1) }, Miss: func(string) { misses.Add(1) }},
	})
	d.cache = cache
	return d, err
}

// coldReaders reads a cold secret from 100 goroutines at once (one
// fetch), then once more from the cache, as database credentials.
func (d *demo) coldReaders(ctx context.Context) (secrets.DBCredentials, error) {
	fmt.Fprintln(d.w, "== 100 concurrent readers of a cold secret")
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() { d.cache.Get(ctx, "prod/db") })
	}
	wg.Wait()
	fmt.Fprintf(d.w, "GetSecretValue calls: %d\n", d.sm.Calls())
	hitsBefore := d.hits.Load() // readers that came after the fetch were hits too
	creds, err := secrets.GetJSON[secrets.DBCredentials](ctx, d.cache, "prod/db")
	if err != nil {
		return creds, err
	}
	fmt.Fprintf(d.w, "after one more read: %d calls, served from the cache: %v\n", d.sm.Calls(), d.hits.Load() == hitsBefore+1)
	return creds, nil
}

// neverPrinted formats and logs the credentials: the password stays out.
func (d *demo) neverPrinted(creds secrets.DBCredentials) {
	fmt.Fprintln(d.w, "\n== the password never prints")
	fmt.Fprintf(d.w, "%%v:  %v\n%%#v: %#v\n", creds, creds)
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, &slog.HandlerOptions{ReplaceAttr: dropTime})).Info("connecting", "creds", creds)
	fmt.Fprint(d.w, "slog: ", logged.String())
	fmt.Fprintf(d.w, "Password(), for the driver: %d characters\n", len(creds.Password()))
}

// rotation rotates the secret: the cache serves the old version until
// Refresh, and returns the new one.
func (d *demo) rotation(ctx context.Context) (secrets.Secret, error) {
	fmt.Fprintln(d.w, "\n== a rotation: the cache keeps the old value until told")
	first, _ := d.cache.Get(ctx, "prod/db")
	d.sm.Put("prod/db", `{"engine":"mysql","host":"db.example.internal","port":3306,"username":"app","password":"example-only-rotated","dbname":"ledger"}`)
	cached, _ := d.cache.Get(ctx, "prod/db")
	fmt.Fprintln(d.w, "same version while fresh:", cached.VersionID() == first.VersionID())
	// A database that refused the old password is the signal to refresh.
	fresh, err := d.cache.Refresh(ctx, "prod/db")
	if err != nil {
		return fresh, err
	}
	fmt.Fprintln(d.w, "new version after Refresh:", fresh.VersionID() != first.VersionID(), fresh.Stages())
	return fresh, nil
}

// staleOnFailure lets the TTL pass while Secrets Manager fails: the
// cached version fresh is served, and the cache backs off.
func (d *demo) staleOnFailure(ctx context.Context, fresh secrets.Secret) {
	fmt.Fprintln(d.w, "\n== Secrets Manager fails after the TTL: the stale value is served")
	d.now.Add(int64(6 * time.Minute))
	d.sm.FailNext(3, "InternalServiceError") // the SDK makes 3 attempts
	before := d.sm.Calls()
	stale, err := d.cache.Get(ctx, "prod/db")
	fmt.Fprintf(d.w, "served the cached version: %v, error: %v, after %d attempts (the SDK retries)\n",
		stale.VersionID() == fresh.VersionID(), err, d.sm.Calls()-before)
	before = d.sm.Calls()
	d.cache.Get(ctx, "prod/db")
	fmt.Fprintf(d.w, "asked again at once: %d more calls (backing off)\n", d.sm.Calls()-before)
}

// errorsNameTheSecret reads a missing secret.
func (d *demo) errorsNameTheSecret(ctx context.Context) {
	fmt.Fprintln(d.w, "\n== errors name the secret, never the value")
	_, err := d.cache.Get(ctx, "prod/missing")
	fmt.Fprintln(d.w, "not found:", errors.Is(err, secrets.ErrNotFound))
	fmt.Fprintln(d.w, err)
}

// real reads one secret from the configured AWS account.
func real(ctx context.Context, w io.Writer, id string) error {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	cache, err := secrets.New(secrets.Config{Client: secretsmanager.NewFromConfig(cfg)})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := cache.Get(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%v (%d bytes)\n", s, len(s.Bytes()))
	return nil
}

// dropTime keeps log lines comparable from run to run.
func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
