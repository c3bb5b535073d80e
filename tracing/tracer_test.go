package tracing_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/tracing"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

type plainHandler struct{ calls int }

func (h *plainHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.calls++
	_ = tracing.Annotate(r.Context(), "k", "v")
	_ = tracing.Capture(r.Context(), "c", func(context.Context) error { return nil })
}

func TestDisabled(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		cfg  tracing.Config
	}{
		{name: "no Lambda and no daemon address"},
		{name: "Disabled wins over a daemon address", cfg: tracing.Config{Disabled: true}, env: map[string]string{"AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000"}},
		{name: "Disabled wins in Lambda", cfg: tracing.Config{Disabled: true}, env: map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "fn"}},
		{name: "AWS_XRAY_SDK_DISABLED", env: map[string]string{"AWS_XRAY_SDK_DISABLED": "TRUE", "AWS_LAMBDA_FUNCTION_NAME": "fn"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			outsideLambda(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var logs bytes.Buffer
			tc.cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			d := tracingtest.NewDaemon(t)
			tr, err := tracing.New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Enabled() {
				t.Fatal("Enabled() = true")
			}
			next := &plainHandler{}
			h := tr.Handler(next)
			if h != http.Handler(next) {
				t.Fatal("a disabled Handler must return next itself")
			}
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("X-Amzn-Trace-Id", "Root="+localRoot+";Sampled=1")
			h.ServeHTTP(httptest.NewRecorder(), req)
			ctx := tracingtest.LambdaContext(context.Background(), lambdaRoot, lambdaParent, true)
			h.ServeHTTP(httptest.NewRecorder(), req.WithContext(ctx))
			if next.calls != 2 {
				t.Errorf("next called %d times", next.calls)
			}
			if docs := d.Documents(); len(docs) != 0 {
				t.Errorf("got %d documents", len(docs))
			}
			if logs.Len() != 0 {
				t.Errorf("logged: %s", logs.String())
			}
		})
	}
}

func TestDaemonAddrErrors(t *testing.T) {
	outsideLambda(t)
	tests := []struct {
		name, addr string
		ok         bool
	}{
		{name: "ip:port", addr: "127.0.0.1:2000", ok: true},
		{name: "double form", addr: "tcp:127.0.0.1:2000 udp:127.0.0.2:2001", ok: true},
		{name: "double form reversed", addr: "udp:127.0.0.1:2000 tcp:127.0.0.1:2001", ok: true},
		{name: "ipv6", addr: "[::1]:2000", ok: true},
		{name: "no port", addr: "127.0.0.1", ok: false},
		{name: "bad port", addr: "127.0.0.1:http", ok: false},
		{name: "port out of range", addr: "127.0.0.1:70000", ok: false},
		{name: "two udp", addr: "udp:127.0.0.1:1 udp:127.0.0.1:2", ok: false},
		{name: "three parts", addr: "a:1 b:2 c:3", ok: false},
		{name: "missing host", addr: ":2000", ok: false},
		{name: "garbage", addr: "not-an-addr", ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tracing.New(tracing.Config{DaemonAddr: tc.addr})
			if tc.ok && err != nil {
				t.Errorf("New: %v", err)
			}
			if !tc.ok && !errors.Is(err, tracing.ErrDaemonAddr) {
				t.Errorf("New: %v, want ErrDaemonAddr", err)
			}
		})
	}
	// The environment is checked too, even when tracing ends up off.
	t.Setenv("AWS_XRAY_DAEMON_ADDRESS", "nonsense")
	if _, err := tracing.New(tracing.Config{Disabled: true}); !errors.Is(err, tracing.ErrDaemonAddr) {
		t.Errorf("bad env: %v, want ErrDaemonAddr", err)
	}
	// A configured address wins over the environment.
	d := tracingtest.NewDaemon(t)
	if _, err := tracing.New(tracing.Config{DaemonAddr: d.Addr()}); err != nil {
		t.Errorf("config over bad env: %v", err)
	}
}

// TestBadDaemonEnvDoesNotPanic starts this test binary again with an
// address the X-Ray SDK panics on while the program initialises. The child
// must start and get the error from New.
func TestBadDaemonEnvDoesNotPanic(t *testing.T) {
	if want, ok := os.LookupEnv("TRACING_TEST_CHILD"); ok {
		_, err := tracing.New(tracing.Config{})
		if got := err != nil; got != (want == "error") || err != nil && !errors.Is(err, tracing.ErrDaemonAddr) {
			t.Fatalf("New: %v, want %s", err, want)
		}
		// The value is back in the environment for the rest of the program.
		if got := os.Getenv("AWS_XRAY_DAEMON_ADDRESS"); got != os.Getenv("TRACING_TEST_VALUE") {
			t.Fatalf("AWS_XRAY_DAEMON_ADDRESS = %q after start-up", got)
		}
		return
	}
	tests := []struct{ value, want string }{
		{"not-an-addr", "error"},
		{"a:b:c", "error"},
		{"tcp:x udp:y", "error"},
		{"127.0.0.1:99999", "error"},
		// A host name makes the SDK resolve it while the program starts.
		{"localhost:2000", "success"},
		{"127.0.0.1:2000", "success"},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBadDaemonEnvDoesNotPanic$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), "TRACING_TEST_CHILD="+tc.want, "AWS_XRAY_DAEMON_ADDRESS="+tc.value, "TRACING_TEST_VALUE="+tc.value,
				"AWS_LAMBDA_FUNCTION_NAME=", "AWS_LAMBDA_RUNTIME_API=", "AWS_XRAY_SDK_DISABLED=")
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "--- PASS: TestBadDaemonEnvDoesNotPanic") {
				t.Errorf("child failed: %v\n%s", err, out)
			}
		})
	}
}

func TestAnnotateRules(t *testing.T) {
	type level int
	tests := []struct {
		name    string
		key     string
		value   any
		wantKey string
		want    any
		err     error
	}{
		{name: "string", key: "user", value: "u-1", wantKey: "user", want: "u-1"},
		{name: "dots become underscores", key: "user.id", value: 1, wantKey: "user_id", want: float64(1)},
		{name: "spaces and symbols", key: "a b-c/é", value: true, wantKey: "a_b_c__", want: true},
		// The X-Ray SDK rejects int64 and named types.
		{name: "int64", key: "n", value: int64(math.MaxInt32) + 1, wantKey: "n", want: float64(math.MaxInt32 + 1)},
		{name: "uint64", key: "n", value: uint64(7), wantKey: "n", want: float64(7)},
		{name: "duration", key: "d", value: 2 * time.Second, wantKey: "d", want: float64(2e9)},
		{name: "named int", key: "lvl", value: level(3), wantKey: "lvl", want: float64(3)},
		{name: "float32", key: "f", value: float32(0.5), wantKey: "f", want: 0.5},
		{name: "long string is cut", key: "s", value: strings.Repeat("é", 1500), wantKey: "s", want: strings.Repeat("é", 1000)},
		{name: "invalid utf-8 is replaced", key: "s", value: "a\xffb", wantKey: "s", want: "a\uFFFDb"},
		// NaN would make the whole document unencodable.
		{name: "NaN", key: "f", value: math.NaN(), err: tracing.ErrInvalidAnnotation},
		{name: "Inf", key: "f", value: math.Inf(1), err: tracing.ErrInvalidAnnotation},
		{name: "struct", key: "s", value: struct{}{}, err: tracing.ErrInvalidAnnotation},
		{name: "nil", key: "s", value: nil, err: tracing.ErrInvalidAnnotation},
		{name: "empty key", key: "", value: 1, err: tracing.ErrInvalidAnnotation},
		{name: "reserved key", key: "cold_start", value: false, err: tracing.ErrInvalidAnnotation},
		{name: "reserved after mapping", key: "cold.start", value: false, err: tracing.ErrInvalidAnnotation},
	}
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Checked without a trace too, so mistakes show up in tests
			// that run with tracing off.
			if err := tracing.Annotate(context.Background(), tc.key, tc.value); !errors.Is(err, tc.err) {
				t.Errorf("untraced: %v, want %v", err, tc.err)
			}
			doc := traced(t, tr, d, func(ctx context.Context) {
				if err := tracing.Annotate(ctx, tc.key, tc.value); !errors.Is(err, tc.err) {
					t.Errorf("traced: %v, want %v", err, tc.err)
				}
			})
			if tc.err != nil {
				return
			}
			if got := doc.Annotations[tc.wantKey]; got != tc.want {
				t.Errorf("annotation %q = %#v, want %#v (all: %v)", tc.wantKey, got, tc.want, doc.Annotations)
			}
		})
	}
}

func TestAnnotationCap(t *testing.T) {
	outsideLambda(t)
	var logs bytes.Buffer
	tr, d := newTracer(t, tracing.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	doc := traced(t, tr, d, func(ctx context.Context) {
		// The middleware keeps service, cold_start and route.
		for i := range 47 {
			if err := tracing.Annotate(ctx, "k"+string(rune('a'+i/26))+string(rune('a'+i%26)), i); err != nil {
				t.Fatalf("annotation %d: %v", i, err)
			}
		}
		// Overwriting an existing key does not count.
		if err := tracing.Annotate(ctx, "kaa", "again"); err != nil {
			t.Errorf("overwrite: %v", err)
		}
		err := tracing.Capture(ctx, "sub", func(ctx context.Context) error {
			return tracing.Annotate(ctx, "one_more", 1)
		})
		if !errors.Is(err, tracing.ErrAnnotationLimit) {
			t.Errorf("51st annotation: %v, want ErrAnnotationLimit", err)
		}
		if err := tracing.Annotate(ctx, "and_more", 1); !errors.Is(err, tracing.ErrAnnotationLimit) {
			t.Errorf("52nd annotation: %v, want ErrAnnotationLimit", err)
		}
	})
	total := len(doc.Annotations)
	for _, s := range doc.Subsegments {
		total += len(s.Annotations)
	}
	if total > 50 {
		t.Errorf("trace holds %d annotations", total)
	}
	if doc.Annotations["kaa"] != "again" {
		t.Errorf("overwrite lost: %v", doc.Annotations["kaa"])
	}
	if n := strings.Count(logs.String(), "annotation dropped"); n != 1 {
		t.Errorf("logged the cap %d times, want once: %s", n, logs.String())
	}
}

func TestConcurrentRequests(t *testing.T) {
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{SamplingRules: []byte(`{"version":2,"default":{"fixed_target":0,"rate":1}}`)})
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = tracing.Capture(ctx, "work", func(ctx context.Context) error {
					return tracing.Annotate(ctx, "i", i)
				})
				_ = tracing.Annotate(ctx, "shared", i)
			}()
		}
		wg.Wait()
		w.WriteHeader(http.StatusAccepted)
	}))
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil))
		}()
	}
	wg.Wait()
	docs := d.Documents()
	if len(docs) != 16 {
		t.Fatalf("got %d documents, want 16", len(docs))
	}
	cold := 0
	for _, doc := range docs {
		if len(doc.Subsegments) != 4 || doc.HTTP.Response.Status != http.StatusAccepted {
			t.Errorf("document %s", doc.Raw)
		}
		if doc.Annotations["cold_start"] == true {
			cold++
		}
	}
	if cold != 1 {
		t.Errorf("%d requests marked cold_start, want 1", cold)
	}
}
