package dbconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/go-sql-driver/mysql"

	"github.com/lambdasec/lambdasec/internal/clocktest"
)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock = clocktest.Clock

func newFakeClock() *fakeClock { return clocktest.At(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) }

// countingCreds is a static AWS credentials provider that counts calls.
type countingCreds struct {
	n       atomic.Int32
	expires time.Time // zero: static credentials
}

func (c *countingCreds) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c.n.Add(1)
	v, err := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "").Retrieve(ctx)
	if !c.expires.IsZero() {
		v.CanExpire, v.Expires = true, c.expires
	}
	return v, err
}

func TestRDSBundle(t *testing.T) {
	certs, err := parseBundle(rdsBundle)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(certs), 102; got != want {
		t.Errorf("got %d certificates, want %d (update rds-global-bundle.md when the bundle changes)", got, want)
	}
	for _, c := range certs {
		if !c.IsCA || c.NotAfter.Year() < 2061 {
			t.Errorf("%s: IsCA %v, NotAfter %v", c.Subject, c.IsCA, c.NotAfter)
		}
	}
	if _, err := baseRoots(); err != nil {
		t.Fatal(err)
	}
}

func TestParseBundleRefusesDamagedCopies(t *testing.T) {
	_, caPEM := testCert(t, "127.0.0.1")
	leafOnly := []byte(strings.Replace(string(caPEM), "CERTIFICATE", "NOT A CERT", 2))
	srv, _ := testCert(t, "127.0.0.1")
	leafPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificates[0].Certificate[0]})
	tests := []struct {
		name string
		pem  string
	}{
		{"empty", ""},
		// Seen in the wild: the GitHub HTML page committed instead of the PEM.
		{"html page", "<!DOCTYPE html><html><body>global-bundle.pem</body></html>"},
		{"placeholder", "-----BEGIN CERTIFICATE-----\nxxxxxxxx\n-----END CERTIFICATE-----\n"},
		{"other PEM type only", string(leafOnly)},
		{"truncated", string(rdsBundle[:1000])},
		// A server certificate is no trust anchor: trusting it would be
		// pinning one server by accident, and hides a mixed-up file.
		{"server certificate", string(leafPEM)},
		{"bundle with a server certificate", string(rdsBundle) + string(leafPEM)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			certs, err := parseBundle([]byte(tc.pem))
			if !errors.Is(err, ErrCABundle) {
				t.Fatalf("got %d certs, err %v; want ErrCABundle", len(certs), err)
			}
		})
	}
}

func TestRootPoolExtraCA(t *testing.T) {
	if _, err := rootPool([]byte("not pem")); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("got %v, want ErrInvalidConfig", err)
	}
	_, caPEM := testCert(t, "127.0.0.1")
	p, err := rootPool(caPEM)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := baseRoots()
	if p == base || p.Equal(base) {
		t.Fatal("extra CA was added to the shared pool instead of a clone")
	}
	var _ *x509.CertPool = p
}

func TestIAMTokenFormatAndReuse(t *testing.T) {
	clk := newFakeClock()
	creds := &countingCreds{}
	tok := &iamTokens{endpoint: "db.example.internal:3306", region: "eu-west-1", user: "app", creds: creds, now: clk.Now}
	ctx := context.Background()
	first, err := tok.get(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse("https://" + first)
	if err != nil {
		t.Fatalf("token is not a URL without scheme: %v", err)
	}
	q := u.Query()
	for k, want := range map[string]string{"Action": "connect", "DBUser": "app", "X-Amz-Expires": "900", "X-Amz-Algorithm": "AWS4-HMAC-SHA256"} {
		if got := q.Get(k); got != want {
			t.Errorf("token %s = %q, want %q", k, got, want)
		}
	}
	if u.Host != "db.example.internal:3306" || !strings.Contains(q.Get("X-Amz-Credential"), "/eu-west-1/rds-db/aws4_request") || q.Get("X-Amz-Signature") == "" {
		t.Errorf("token host %q credential %q signature %q", u.Host, q.Get("X-Amz-Credential"), q.Get("X-Amz-Signature"))
	}

	steps := []struct {
		name    string
		advance time.Duration
		force   bool
		signs   int32 // total signatures after the step
	}{
		{"reused at once", 0, false, 1},
		{"reused after 13m59s", 13*time.Minute + 59*time.Second, false, 1},
		{"renewed at 14m, a minute before expiry", time.Second, false, 2},
		{"reused again", 10 * time.Minute, false, 2},
		// The server refused the token (for example signed for the wrong
		// region): a new one is signed at once.
		{"renewed when forced", 0, true, 3},
	}
	for _, s := range steps {
		clk.Advance(s.advance)
		if _, err := tok.get(ctx, s.force); err != nil {
			t.Fatal(err)
		}
		if got := creds.n.Load(); got != s.signs {
			t.Fatalf("%s: %d signatures, want %d", s.name, got, s.signs)
		}
	}
}

func TestIAMTokenFollowsTemporaryCredentials(t *testing.T) {
	clk := newFakeClock()
	creds := &countingCreds{expires: clk.Now().Add(5 * time.Minute)}
	tok := &iamTokens{endpoint: "db:3306", region: "us-east-1", user: "app", creds: creds, now: clk.Now}
	ctx := context.Background()
	tok.get(ctx, false)
	clk.Advance(3*time.Minute + 59*time.Second)
	tok.get(ctx, false)
	if creds.n.Load() != 1 {
		t.Fatalf("renewed too early: %d", creds.n.Load())
	}
	clk.Advance(time.Second) // a minute before the session credentials expire
	tok.get(ctx, false)
	if creds.n.Load() != 2 {
		t.Fatalf("token outlived its session credentials: %d signatures", creds.n.Load())
	}
}

func TestIAMTokenErrorsNeverLeak(t *testing.T) {
	tok := &iamTokens{endpoint: "db:3306", region: "us-east-1", user: "app", now: time.Now,
		creds: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{}, errors.New("no credentials in environment")
		})}
	_, err := tok.get(context.Background(), false)
	if !errors.Is(err, ErrCredentials) {
		t.Fatalf("got %v, want ErrCredentials", err)
	}
}

func fakeConfig(port int) Config {
	return Config{Host: "127.0.0.1", Port: port, User: "app", LoginRetries: 1}
}

// An IAM login reaches the server only inside TLS, as a token, and the
// token is reused for the next connection.
func TestIAMLoginOverTLS(t *testing.T) {
	s := newFakeServer(t, true)
	creds := &countingCreds{}
	cfg := fakeConfig(s.Port())
	cfg.RootCAs = s.CAPEM
	cfg.IAM = &IAM{Region: "eu-central-1", Credentials: creds}
	c, err := NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		conn, err := c.Connect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
	pw := s.Passwords()
	if len(pw) != 2 || pw[0] != pw[1] {
		t.Fatalf("server saw %d logins (tokens equal: %v), want 2 with one token", len(pw), len(pw) == 2 && pw[0] == pw[1])
	}
	wantPrefix := "127.0.0.1:" + strconv.Itoa(s.Port()) + "?Action=connect&DBUser=app&"
	if !strings.HasPrefix(pw[0], wantPrefix) {
		t.Errorf("token %.60q... does not start with %q", pw[0], wantPrefix)
	}
	if creds.n.Load() != 1 {
		t.Errorf("signed %d tokens, want 1", creds.n.Load())
	}
	if strings.Contains(string(s.Plain()), "X-Amz-Signature") {
		t.Error("token crossed the network outside TLS")
	}
}

// A server that offers no TLS is refused before any credential is sent.
func TestNoTLSServerRefused(t *testing.T) {
	for _, iam := range []bool{false, true} {
		t.Run("iam="+strconv.FormatBool(iam), func(t *testing.T) {
			s := newFakeServer(t, false)
			cfg := fakeConfig(s.Port())
			if iam {
				cfg.IAM = &IAM{Region: "eu-central-1", Credentials: &countingCreds{}}
			} else {
				cfg.Credentials = StaticCredentials(NewCredentials("app", "correct horse battery staple"))
			}
			_, err := Open(context.Background(), cfg)
			if !errors.Is(err, ErrNoTLS) {
				t.Fatalf("got %v, want ErrNoTLS", err)
			}
			if !strings.Contains(err.Error(), "without TLS") {
				t.Errorf("error %q does not say the server offers no TLS", err)
			}
			if len(s.Passwords()) != 0 || len(s.Plain()) != 0 {
				t.Fatalf("client sent %d bytes to a server without TLS", len(s.Plain()))
			}
		})
	}
}

// TLS below 1.2 is refused, whatever the Go default of the day, before
// any credential is sent.
func TestOldTLSRefused(t *testing.T) {
	if got := tlsConfig(nil, "db").MinVersion; got < tls.VersionTLS12 {
		t.Fatalf("MinVersion %x, want TLS 1.2 or later", got)
	}
	s := newFakeServer(t, true, func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS10, tls.VersionTLS11 })
	cfg := fakeConfig(s.Port())
	cfg.RootCAs = s.CAPEM
	cfg.Credentials = StaticCredentials(NewCredentials("app", "correct horse battery staple"))
	if _, err := Open(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("got %v, want a refused TLS 1.1 handshake", err)
	}
	if len(s.Passwords()) != 0 {
		t.Fatal("credentials sent over TLS 1.1")
	}
}

// Only a refused login (1045) fetches credentials again; TLS and network
// failures are returned at once, without refreshing or trying the pending
// credentials.
func TestOtherErrorsNotRetried(t *testing.T) {
	tests := []struct {
		name string
		tls  bool
		want error
	}{
		{"server without TLS", false, ErrNoTLS},
		{"unknown certificate authority", true, ErrUnknownAuthority},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t, tc.tls)
			var current, refresh, pending atomic.Int32
			provider := func(n *atomic.Int32) CredentialsFunc {
				return func(context.Context) (Credentials, error) {
					n.Add(1)
					return NewCredentials("app", "pw-"+strconv.Itoa(int(n.Load()))), nil
				}
			}
			cfg := fakeConfig(s.Port())
			cfg.LoginRetries = 3
			cfg.Credentials, cfg.RefreshCredentials, cfg.PendingCredentials = provider(&current), provider(&refresh), provider(&pending)
			c, err := NewConnector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Connect(context.Background()); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if current.Load() != 1 || refresh.Load() != 0 || pending.Load() != 0 {
				t.Fatalf("providers called current %d, refresh %d, pending %d times; want 1, 0, 0",
					current.Load(), refresh.Load(), pending.Load())
			}
		})
	}
}

// An access-denied error sent before TLS, which only something on the
// network path can send, is not taken for a refused login: no credential
// refresh, no pending credentials, no "wrong password" hint.
func TestAccessDeniedBeforeTLSIsForged(t *testing.T) {
	port := serveLoopback(t, "127.0.0.1", func(c net.Conn) {
		writePacket(c, 0, append([]byte{0xff, 1045 & 0xff, 1045 >> 8}, "#28000Access denied for user 'app'"...))
	})
	var refresh, pending atomic.Int32
	count := func(n *atomic.Int32) CredentialsFunc {
		return func(context.Context) (Credentials, error) {
			n.Add(1)
			return NewCredentials("app", "new"), nil
		}
	}
	cfg := fakeConfig(port)
	cfg.LoginRetries = 3
	cfg.Credentials = func(context.Context) (Credentials, error) { return NewCredentials("app", "old"), nil }
	cfg.RefreshCredentials, cfg.PendingCredentials = count(&refresh), count(&pending)
	c, err := NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Connect(context.Background())
	if !errors.Is(err, ErrProtocol) || errors.Is(err, ErrAccessDenied) {
		t.Fatalf("got %v, want ErrProtocol and not ErrAccessDenied", err)
	}
	if refresh.Load() != 0 || pending.Load() != 0 {
		t.Fatalf("refresh called %d times, pending %d; want 0, 0", refresh.Load(), pending.Load())
	}
}

// A password login never answers a server's request for a clear-text
// password: only IAM tokens are sent that way.
func TestStaticPasswordNeverSentInClear(t *testing.T) {
	s := newFakeServer(t, true)
	cfg := fakeConfig(s.Port())
	cfg.RootCAs = s.CAPEM
	const pw = "correct horse battery staple"
	cfg.Credentials = StaticCredentials(NewCredentials("app", pw))
	_, err := Open(context.Background(), cfg)
	if err == nil {
		t.Fatal("password login accepted a clear-text auth switch")
	}
	if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "clear text") {
		t.Fatalf("got %v, want ErrAccessDenied explaining the clear-text request", err)
	}
	if strings.Contains(err.Error(), pw) {
		t.Fatal("error contains the password")
	}
	for _, p := range s.Passwords() {
		if strings.Contains(p, pw) {
			t.Fatal("password sent in clear text")
		}
	}
}

func TestRefresherSingleFlight(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	r := &refresher{refresh: func(ctx context.Context) (Credentials, error) {
		calls.Add(1)
		<-release
		return NewCredentials("app", "new"), nil
	}}
	// A caller that gives up does not cancel the shared refresh.
	gone, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, _, err := r.refreshed(gone, 0, Credentials{}); errc <- err }()
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond) // wait for the flight to start; not a timing assertion
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("abandoning caller got %v", err)
	}
	var wg sync.WaitGroup
	got := make([]Credentials, 100)
	for i := range got {
		wg.Go(func() {
			cr, _, err := r.refreshed(context.Background(), 0, Credentials{})
			if err != nil {
				t.Error(err)
			}
			got[i] = cr
		})
	}
	close(release)
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("refresh called %d times, want 1", calls.Load())
	}
	for _, cr := range got {
		if cr.Password() != "new" {
			t.Fatalf("a waiter got %v", cr)
		}
	}
	// A caller that saw the old generation gets the result without a call.
	if _, g, _ := r.refreshed(context.Background(), 0, Credentials{}); g != 1 || calls.Load() != 1 {
		t.Fatalf("generation %d, calls %d", g, calls.Load())
	}
	// A caller that already saw generation 1 starts a new refresh.
	r.refreshed(context.Background(), 1, Credentials{})
	if calls.Load() != 2 {
		t.Fatalf("calls %d, want 2", calls.Load())
	}
}

// A provider that ignores its context cannot hold the shared refresh, and
// with it every later refused login, forever: the refresh ends on its own
// timer and the next one starts afresh.
func TestRefreshBoundedWhenProviderIgnoresContext(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	var calls atomic.Int32
	r := &refresher{timeout: 50 * time.Millisecond, refresh: func(context.Context) (Credentials, error) {
		if calls.Add(1) == 1 {
			<-stuck // ignores ctx
		}
		return NewCredentials("app", "new"), nil
	}}
	errc := make(chan error, 1)
	go func() { _, _, err := r.refreshed(context.Background(), 0, Credentials{}); errc <- err }()
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), "did not return") {
			t.Fatalf("stuck refresh ended with %v", err)
		}
	case <-time.After(10 * time.Second): // a hang, not a timing assertion
		t.Fatal("shared refresh still running after its timeout")
	}
	cr, g, err := r.refreshed(context.Background(), 0, Credentials{})
	if err != nil || cr.Password() != "new" || g != 1 {
		t.Fatalf("next refresh: %v, generation %d, %v", cr, g, err)
	}
}

// FuzzServerHandshake feeds arbitrary first packets, as a hostile server or
// an attacker before TLS could, to a connecting client: it must fail with
// an error, never panic, and never send the password.
func FuzzServerHandshake(f *testing.F) {
	f.Add([]byte{10})
	f.Add([]byte{10, '5', 0})
	f.Add([]byte{10, '5', 0, 1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 0, 0, 2})
	f.Add([]byte{10, '5', 0, 1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 0, 0, 0x0a, 0x21, 2, 0, 8, 0, 21})
	f.Add([]byte{0xff, 0x15, 0x04, '#', '2', '8', '0', '0', '0', 'n', 'o'})
	f.Add([]byte{9, 'o', 'l', 'd', 0})
	f.Add(handshake(true))  // valid: the client answers with an SSLRequest
	f.Add(handshake(false)) // valid but without TLS: refused
	const secret = "fuzz-password-must-not-leak"
	c, err := NewConnector(Config{Host: "127.0.0.1", User: "fuzzuser", Credentials: StaticCredentials(NewCredentials("fuzzuser", secret)), LoginRetries: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, hs []byte) {
		if len(hs) > 1<<16 {
			return
		}
		client, server := net.Pipe()
		c := *c
		c.dial = func(context.Context, string, string) (net.Conn, error) { return client, nil }
		first := make(chan []byte, 1)
		go func() {
			defer server.Close()
			_ = server.SetDeadline(time.Now().Add(10 * time.Second))
			if writePacket(server, 0, hs) != nil {
				first <- nil
				return
			}
			// The client's first packet must be an SSLRequest; nothing
			// after it can be legitimate here, so hang up.
			_, p, _ := readPacket(server)
			first <- p
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := c.Connect(ctx)
		client.Close()
		if err == nil {
			conn.Close()
			t.Fatal("connected to a server that sent only a handshake")
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatal("error contains the password")
		}
		// An SSLRequest is 32 bytes: capabilities, packet size, charset
		// and filler; no user name, no password.
		if p := <-first; len(p) != 0 && (len(p) != 32 || strings.Contains(string(p), "fuzzuser")) {
			t.Fatalf("client sent %d bytes before TLS: %q", len(p), p)
		}
	})
}

// Every server error dbconn explains maps to its sentinel and hint, and
// the message never gains the password.
func TestExplainServerErrors(t *testing.T) {
	ep := endpoint{host: "db.example", port: 3306}
	tests := []struct {
		name   string
		number uint16
		want   error
		hint   string
	}{
		{"access denied", 1045, ErrAccessDenied, "rotation in progress"},
		// MariaDB's unix_socket and similar plugins refuse with 1698.
		{"access denied without password", 1698, ErrAccessDenied, "rotation in progress"},
		{"secure transport required", 3159, ErrTLSRequired, "mysql 3159"},
		{"too many connections", 1040, ErrTooManyConnections, "dbconn.Plan"},
		{"user connection limit", 1203, ErrTooManyConnections, "dbconn.Plan"},
		{"user resource limit", 1226, ErrTooManyConnections, "wait_timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			me := &mysql.MySQLError{Number: tc.number, Message: "server says no"}
			err := explain(me, ep, false)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if got := new(*mysql.MySQLError); !errors.As(err, got) || *got != me {
				t.Errorf("%v does not wrap the driver's error", err)
			}
			for _, s := range []string{tc.hint, "db.example:3306", "server says no"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%q lacks %q", err, s)
				}
			}
			if isAccessDenied(me) != errors.Is(tc.want, ErrAccessDenied) {
				t.Errorf("isAccessDenied(%d) = %v, want %v", tc.number, isAccessDenied(me), errors.Is(tc.want, ErrAccessDenied))
			}
		})
	}
	if err := explain(&mysql.MySQLError{Number: 1045}, ep, true); !strings.Contains(err.Error(), "AWSAuthenticationPlugin") {
		t.Errorf("IAM refusal %q lacks the IAM hint", err)
	}
	if err := explain(&mysql.MySQLError{Number: 1146, Message: "no such table"}, ep, false); !errors.As(err, new(*mysql.MySQLError)) {
		t.Errorf("unexplained server error %v does not wrap the driver's error", err)
	}
}

// A provider that panics (say, on a secret without the expected keys) gives
// an ErrCredentials error instead of ending the process, without the panic
// value, and the refresher recovers for the next attempt.
func TestProviderPanicIsAnError(t *testing.T) {
	panicky := func(context.Context) (Credentials, error) { panic("password=hunter2") }
	c, err := NewConnector(Config{Host: "127.0.0.1", User: "app", Credentials: panicky})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Connect(context.Background())
	if !errors.Is(err, ErrCredentials) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("got %v, want ErrCredentials without the panic value", err)
	}

	var calls atomic.Int32
	r := &refresher{refresh: func(ctx context.Context) (Credentials, error) {
		if calls.Add(1) == 1 {
			panic("password=hunter2")
		}
		return NewCredentials("app", "new"), nil
	}}
	if _, _, err := r.refreshed(context.Background(), 0, Credentials{}); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("refresh: got %v, want an error without the panic value", err)
	}
	if cr, _, err := r.refreshed(context.Background(), 0, Credentials{}); err != nil || cr.Password() != "new" {
		t.Fatalf("second refresh: got %v, %v; want the new credentials", cr, err)
	}
}

// The deadline passes as a retry dials, with refreshed or with pending
// credentials: the error is the refusal that started the retries, not the
// dial's cancellation, which says nothing about the cause.
func TestDeadlineDuringRetryLogin(t *testing.T) {
	tests := []struct {
		name             string
		refresh, pending string // passwords; a refresh giving "old" changes nothing
	}{
		{name: "refreshed credentials", refresh: "new"},
		{name: "pending credentials", refresh: "old", pending: "pending"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t, true)
			s.refuse.Store(true)
			creds := func(pw string) CredentialsFunc {
				return func(context.Context) (Credentials, error) { return NewCredentials("app", pw), nil }
			}
			cfg := fakeConfig(s.Port())
			cfg.RootCAs, cfg.LoginRetries = s.CAPEM, 3
			cfg.Credentials, cfg.RefreshCredentials = creds("old"), creds(tc.refresh)
			if tc.pending != "" {
				cfg.PendingCredentials = creds(tc.pending)
			}
			c, err := NewConnector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var dials atomic.Int32
			c.dial = func(dctx context.Context, network, addr string) (net.Conn, error) {
				if dials.Add(1) == 2 {
					cancel()
				}
				var d net.Dialer
				return d.DialContext(dctx, network, addr)
			}
			if _, err := c.Connect(ctx); !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "mysql 1045") {
				t.Fatalf("got %v, want the server's refusal (ErrAccessDenied, 1045)", err)
			}
			if n := dials.Load(); n != 2 {
				t.Fatalf("%d dials, want 2: the login and the cut-short retry", n)
			}
		})
	}
}
