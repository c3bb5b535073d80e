package tracing_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/dbconn"
	"github.com/lambdasec/lambdasec/internal/smfake"
	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/tracing"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

const localRoot = "1-67891233-abcdef012345678912345678"

// traced runs fn inside a sampled request served by tr outside Lambda and
// returns the one segment it produced.
func traced(t *testing.T, tr *tracing.Tracer, d *tracingtest.Daemon, fn func(ctx context.Context)) tracingtest.Document {
	t.Helper()
	d.Reset()
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fn(r.Context()) }))
	req := httptest.NewRequest("GET", "/work", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root="+localRoot+";Sampled=1")
	h.ServeHTTP(httptest.NewRecorder(), req)
	docs := d.Documents()
	if len(docs) != 1 {
		t.Fatalf("got %d documents, want 1", len(docs))
	}
	return docs[0]
}

// headerRecorder is an http.RoundTripper that keeps the trace headers of
// the requests it forwards.
type headerRecorder struct {
	mu   sync.Mutex
	seen []string
	next http.RoundTripper
}

func (h *headerRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.seen = append(h.seen, r.Header.Get("X-Amzn-Trace-Id"))
	h.mu.Unlock()
	return h.next.RoundTrip(r)
}

func (h *headerRecorder) headers() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.seen...)
}

func TestHTTPClient(t *testing.T) {
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{})
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("X-Amzn-Trace-Id")
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	base := &http.Client{Transport: &http.Transport{}}
	defer base.CloseIdleConnections()
	c := tracing.Client(base)
	defer c.CloseIdleConnections()

	doc := traced(t, tr, d, func(ctx context.Context) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/x?api_key=secret", nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("Do: %v", err)
		}
		resp.Body.Close()
	})
	host := strings.TrimPrefix(srv.URL, "http://")
	sub, ok := doc.Find(host)
	if !ok {
		t.Fatalf("no subsegment named %q in %s", host, doc.Raw)
	}
	if sub.Namespace != "remote" || sub.HTTP == nil || sub.HTTP.Request.URL != srv.URL+"/x" ||
		sub.HTTP.Response.Status != http.StatusTeapot || !sub.Error {
		t.Errorf("subsegment %s", sub.Raw)
	}
	if strings.Contains(string(doc.Raw), "secret") {
		t.Errorf("query string recorded: %s", doc.Raw)
	}
	// The header must be one any X-Ray service understands: Root,
	// Parent and Sampled, each in its documented form.
	h := parseHeader(got)
	if got != "Root="+localRoot+";Parent="+sub.ID+";Sampled=1" || h.Root != localRoot || h.Parent != sub.ID || h.Sampled != "1" {
		t.Errorf("downstream header %q, want Root=%s;Parent=%s;Sampled=1", got, localRoot, sub.ID)
	}

	// Outside any trace the request goes out untouched.
	got = "unset"
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != "" {
		t.Errorf("untraced request carried %q", got)
	}
}

func TestHTTPClientUnsampledPropagates(t *testing.T) {
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{})
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("X-Amzn-Trace-Id")
	}))
	defer srv.Close()
	tp := &http.Transport{}
	defer tp.CloseIdleConnections()
	c := &http.Client{Transport: tracing.Transport(tp)}
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), "GET", srv.URL, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root="+localRoot+";Sampled=0")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if h := parseHeader(got); h.Root != localRoot || h.Sampled != "0" {
		t.Errorf("downstream header %q, want Root=%s;Sampled=0", got, localRoot)
	}
	if docs := d.Documents(); len(docs) != 0 {
		t.Errorf("got %d documents, want none", len(docs))
	}
}

func TestAWSSecretsManager(t *testing.T) {
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{})
	sm := smfake.New()
	defer sm.Close()
	sm.Put("db/password", "hunter2")

	rec := &headerRecorder{next: &http.Transport{}}
	defer rec.next.(*http.Transport).CloseIdleConnections()
	cfg := sm.AWSConfig()
	cfg.HTTPClient = &http.Client{Transport: rec}
	tracing.AWS(&cfg)
	tracing.AWS(&cfg) // twice is harmless
	client := secretsmanager.NewFromConfig(cfg)

	doc := traced(t, tr, d, func(ctx context.Context) {
		out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db/password")})
		if err != nil || aws.ToString(out.SecretString) != "hunter2" {
			t.Fatalf("GetSecretValue: %v", err)
		}
		_, err = client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("missing")})
		if err == nil {
			t.Fatal("missing secret: no error")
		}
	})
	var subs []tracingtest.Document
	for _, s := range doc.Subsegments {
		if s.Name == "Secrets Manager" {
			subs = append(subs, s)
		}
	}
	if len(subs) != 2 {
		t.Fatalf("got %d Secrets Manager subsegments, want 2: %s", len(subs), doc.Raw)
	}
	ok, missing := subs[0], subs[1]
	if ok.Namespace != "aws" || ok.AWS["operation"] != "GetSecretValue" || ok.AWS["region"] != "us-east-1" ||
		ok.HTTP == nil || ok.HTTP.Response.Status != 200 || ok.Error || ok.Fault {
		t.Errorf("success subsegment %s", ok.Raw)
	}
	// ResourceNotFound is the caller's error (400), not a fault of AWS.
	if !missing.Error || missing.Fault || missing.HTTP.Response.Status != 400 || missing.Cause == nil {
		t.Errorf("not-found subsegment %s", missing.Raw)
	}
	if strings.Contains(string(doc.Raw), "hunter2") {
		t.Errorf("secret value recorded: %s", doc.Raw)
	}
	hs := rec.headers()
	if len(hs) != 2 {
		t.Fatalf("saw %d requests, want 2", len(hs))
	}
	if h := parseHeader(hs[0]); h.Root != localRoot || h.Parent != ok.ID || h.Sampled != "1" {
		t.Errorf("trace header on the AWS request %q", hs[0])
	}

	// Without a trace the call is not touched.
	if _, err := client.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("db/password")}); err != nil {
		t.Fatal(err)
	}
	if hs := rec.headers(); hs[2] != "" {
		t.Errorf("untraced AWS call carried %q", hs[2])
	}
}

func TestAWSInLambda(t *testing.T) {
	outsideLambda(t)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	tr, d := newTracer(t, tracing.Config{})
	sm := smfake.New()
	defer sm.Close()
	sm.Put("k", "v")
	tp := &http.Transport{}
	defer tp.CloseIdleConnections()
	cfg := sm.AWSConfig()
	cfg.HTTPClient = &http.Client{Transport: tp}
	tracing.AWS(&cfg)
	client := secretsmanager.NewFromConfig(cfg)
	m := http.NewServeMux()
	m.HandleFunc("GET /secret", func(w http.ResponseWriter, r *http.Request) {
		if _, err := client.GetSecretValue(r.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("k")}); err != nil {
			t.Error(err)
		}
		w.WriteHeader(http.StatusNoContent)
	})
	lambdaInvoke(t, tr.Handler(m), tracingtest.LambdaContext(context.Background(), lambdaRoot, lambdaParent, true), "GET", "/secret")
	docs := d.Documents()
	if len(docs) != 1 {
		t.Fatalf("got %d documents, want 1", len(docs))
	}
	doc := docs[0]
	if doc.Name != "GET /secret" || doc.TraceID != lambdaRoot || doc.ParentID != lambdaParent {
		t.Errorf("request subsegment %s", doc.Raw)
	}
	if sub, ok := doc.Find("Secrets Manager"); !ok || sub.Namespace != "aws" {
		t.Errorf("no aws subsegment under the request: %s", doc.Raw)
	}
}

func TestSQLMariaDB(t *testing.T) {
	outsideLambda(t)
	my := testenv.MySQL(t)
	tr, d := newTracer(t, tracing.Config{})
	base, err := mysql.NewConnector(my.DriverConfig(my.User, my.Password))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(tracing.Connector(base, tracing.DB{Name: my.Database, Host: my.Addr(), User: my.User, Type: "MySQL"}))
	defer db.Close()
	name := my.Database + "@" + my.Addr()

	var questions [2]int
	doc := traced(t, tr, d, func(ctx context.Context) {
		// The first statement on a new connection: the session has run
		// only this one, so the tracer added no query of its own.
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var v string
		if err := conn.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Questions'").Scan(&v, &questions[0]); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT ? + 1, 'sup3r-secret'", 41).Scan(&n, &v); err != nil || n != 42 {
			t.Fatalf("select: %d %v", n, err)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "DO 1"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "SELECT * FROM no_such_table_tracing"); err == nil {
			t.Fatal("bad query: no error")
		}
	})
	var subs []tracingtest.Document
	for _, s := range doc.Subsegments {
		if s.Name == name {
			subs = append(subs, s)
		}
	}
	if len(subs) < 6 {
		t.Fatalf("got %d SQL subsegments, want connect, show, select, begin, do, commit and the failure: %s", len(subs), doc.Raw)
	}
	connect := subs[0]
	if connect.Metadata["sql"]["operation"] != "connect" {
		t.Errorf("first subsegment is not the connection: %s", connect.Raw)
	}
	var sel tracingtest.Document
	for _, s := range subs {
		if q, _ := s.SQL["sanitized_query"].(string); strings.HasPrefix(q, "SELECT ? + ?") {
			sel = s
		}
	}
	if sel.SQL == nil {
		t.Fatalf("no SELECT subsegment: %s", doc.Raw)
	}
	if sel.Namespace != "remote" || sel.SQL["database_type"] != "MySQL" || sel.SQL["user"] != my.User ||
		sel.SQL["url"] != my.Addr()+"/"+my.Database || sel.SQL["driver_version"] != "github.com/go-sql-driver/mysql" {
		t.Errorf("sql block %s", sel.Raw)
	}
	if strings.Contains(string(doc.Raw), "sup3r-secret") || strings.Contains(string(doc.Raw), my.Password) {
		t.Errorf("literal or password recorded: %s", doc.Raw)
	}
	last := subs[len(subs)-1]
	if !last.Fault || last.Cause == nil {
		t.Fatalf("failed query is not a fault: %s", last.Raw)
	}
	// The error number stays, the quoted table name (in other errors: the
	// offending value) does not.
	if msg := last.Cause.Exceptions[0].Message; !strings.Contains(msg, "1146") || strings.Contains(msg, "no_such_table_tracing") {
		t.Errorf("error message %q", msg)
	}

	// The same first statement on an untraced connection counts the same.
	plain := sql.OpenDB(base)
	defer plain.Close()
	var v string
	if err := plain.QueryRow("SHOW SESSION STATUS LIKE 'Questions'").Scan(&v, &questions[1]); err != nil {
		t.Fatal(err)
	}
	if questions[0] != questions[1] {
		t.Errorf("Questions on a new traced connection %d, untraced %d: the tracer ran a query", questions[0], questions[1])
	}
}

func TestRedisHook(t *testing.T) {
	outsideLambda(t)
	rdb := testenv.Redis(t)
	tracing.Redis(rdb)
	tr, d := newTracer(t, tracing.Config{})
	key := "tracing-test:" + t.Name()
	doc := traced(t, tr, d, func(ctx context.Context) {
		if err := rdb.Set(ctx, key, "v4lue", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := rdb.Get(ctx, key+":missing").Err(); !errors.Is(err, redis.Nil) {
			t.Fatalf("get missing: %v", err)
		}
		pipe := rdb.Pipeline()
		pipe.Exists(ctx, key)
		pipe.Del(ctx, key)
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	})
	cmds := redisCommands(t, doc, rdb.Options().Addr)
	// The client is new, yet the commands go-redis sends to set up its
	// connection (HELLO, CLIENT SETINFO) are not recorded.
	want := "set get pipeline exists del"
	if cmds != want {
		t.Errorf("commands %q, want %q", cmds, want)
	}
	if strings.Contains(string(doc.Raw), "v4lue") || strings.Contains(string(doc.Raw), key) {
		t.Errorf("key or value recorded: %s", doc.Raw)
	}
}

func TestCapture(t *testing.T) {
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{})
	errBoom := errors.New("boom")
	doc := traced(t, tr, d, func(ctx context.Context) {
		err := tracing.Capture(ctx, "load {user}", func(ctx context.Context) error {
			if err := tracing.Annotate(ctx, "inner", true); err != nil {
				t.Error(err)
			}
			return tracing.Capture(ctx, "nested", func(context.Context) error { return errBoom })
		})
		if err != errBoom {
			t.Errorf("Capture returned %v, want the function's error unchanged", err)
		}
		func() {
			defer func() {
				if p := recover(); p != "kaput" {
					t.Errorf("recovered %v", p)
				}
			}()
			_ = tracing.Capture(ctx, "panics", func(context.Context) error { panic("kaput") })
		}()
	})
	load, ok := doc.Find("load :user")
	if !ok || load.Annotations["inner"] != true {
		t.Fatalf("no subsegment load :user with its annotation: %s", doc.Raw)
	}
	nested, ok := load.Find("nested")
	if !ok || !nested.Fault || nested.Cause == nil || nested.Cause.Exceptions[0].Message != "boom" {
		t.Errorf("nested %s", nested.Raw)
	}
	if p, ok := doc.Find("panics"); !ok || !p.Fault {
		t.Errorf("panicking capture %s", p.Raw)
	}
	// Outside a trace, Capture only calls fn.
	called := false
	if err := tracing.Capture(context.Background(), "x", func(context.Context) error { called = true; return nil }); err != nil || !called {
		t.Errorf("untraced Capture: %v %v", err, called)
	}
}

// TestSQLWithDBConn wraps dbconn's connector (TLS-only, credentials from
// config) through its Wrap hook, as services do.
func TestSQLWithDBConn(t *testing.T) {
	outsideLambda(t)
	my := testenv.MySQL(t)
	port, err := strconv.Atoi(my.Port)
	if err != nil {
		t.Fatal(err)
	}
	db, err := dbconn.Open(context.Background(), dbconn.Config{
		Host: my.Host, Port: port, Database: my.Database, User: my.User,
		Credentials: dbconn.StaticCredentials(dbconn.NewCredentials(my.User, my.Password)),
		RootCAs:     my.CAPEM,
		Wrap: func(c driver.Connector) driver.Connector {
			return tracing.Connector(c, tracing.DB{Name: my.Database, Host: my.Host, User: my.User, Type: "MySQL"})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tr, d := newTracer(t, tracing.Config{})
	doc := traced(t, tr, d, func(ctx context.Context) {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT 1 + ?", 1).Scan(&n); err != nil || n != 2 {
			t.Fatalf("select: %d %v", n, err)
		}
	})
	sub, ok := doc.Find(my.Database + "@" + my.Host)
	if !ok || sub.SQL["sanitized_query"] != "SELECT ? + ?" || sub.SQL["driver_version"] != "github.com/go-sql-driver/mysql" {
		t.Errorf("no SQL subsegment through dbconn: %s", doc.Raw)
	}
	if strings.Contains(string(doc.Raw), my.Password) {
		t.Errorf("password recorded: %s", doc.Raw)
	}
}

func TestRedisClusterHook(t *testing.T) {
	outsideLambda(t)
	rc := testenv.RedisCluster(t)
	tracing.Redis(rc)
	tr, d := newTracer(t, tracing.Config{})
	key := "{tracing-test}:" + t.Name()
	doc := traced(t, tr, d, func(ctx context.Context) {
		if err := rc.Set(ctx, key, "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := rc.Del(ctx, key).Err(); err != nil {
			t.Fatal(err)
		}
	})
	// One subsegment per command, not one more per cluster node.
	if got := redisCommands(t, doc, "redis"); got != "set del" {
		t.Errorf("commands %q, want \"set del\": %s", got, doc.Raw)
	}
}

// redisCommands lists the commands of the Redis subsegments named name in
// doc, checking each one's namespace and flags.
func redisCommands(t *testing.T, doc tracingtest.Document, name string) string {
	t.Helper()
	var cmds []string
	for _, s := range doc.Subsegments {
		if s.Name != name {
			continue
		}
		if s.Namespace != "remote" || s.Fault || s.Error {
			t.Errorf("redis subsegment %s", s.Raw)
		}
		cmd, _ := s.Metadata["redis"]["command"].(string)
		cmds = append(cmds, cmd)
	}
	return strings.Join(cmds, " ")
}

// TestHTTPClientDropsUserInfo checks that credentials in an outgoing URL
// never reach the trace.
func TestHTTPClientDropsUserInfo(t *testing.T) {
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	tp := &http.Transport{}
	defer tp.CloseIdleConnections()
	c := tracing.Client(&http.Client{Transport: tp})
	u := strings.Replace(srv.URL, "http://", "http://svc:pa55word@", 1) + "/p#frag"
	doc := traced(t, tr, d, func(ctx context.Context) {
		req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("Do: %v", err)
		}
		resp.Body.Close()
	})
	sub, ok := doc.Find(strings.TrimPrefix(srv.URL, "http://"))
	if !ok || sub.HTTP == nil || sub.HTTP.Request.URL != srv.URL+"/p" {
		t.Errorf("subsegment %s", sub.Raw)
	}
	if strings.Contains(string(doc.Raw), "pa55word") || strings.Contains(string(doc.Raw), "svc:") {
		t.Errorf("user info recorded: %s", doc.Raw)
	}
}

// traceHeaderFields are the fields of an X-Amzn-Trace-Id header.
type traceHeaderFields struct{ Root, Parent, Sampled string }

// parseHeader splits an X-Amzn-Trace-Id header into its fields, in any
// order.
func parseHeader(s string) traceHeaderFields {
	var h traceHeaderFields
	for _, f := range strings.Split(s, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		switch k {
		case "Root":
			h.Root = v
		case "Parent":
			h.Parent = v
		case "Sampled":
			h.Sampled = v
		}
	}
	return h
}
