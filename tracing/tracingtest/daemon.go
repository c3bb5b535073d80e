// Package tracingtest helps test code traced with package tracing: a fake
// X-Ray daemon on loopback that decodes what the tracer sends, a fake
// OTLP/HTTP collector ([Collector]) that does the same for spans, and a
// context that carries a Lambda trace header the way aws-lambda-go sets it.
//
//	d := tracingtest.NewDaemon(t)
//	tr, _ := tracing.New(tracing.Config{DaemonAddr: d.Addr()})
//	// ... serve requests through tr.Handler ...
//	for _, doc := range d.Documents() { ... }
//
// Nothing here sleeps or depends on timing: [Daemon.Documents] sends the
// daemon a marker datagram and waits until it has read it, so every
// document the tracer sent before the call has been decoded.
package tracingtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// LambdaTraceKey is the context key under which aws-lambda-go stores the
// invocation's trace header. It is a plain string because that is what
// aws-lambda-go and the X-Ray SDK use.
const LambdaTraceKey = "x-amzn-trace-id"

// LambdaContext returns ctx carrying a Lambda trace header with the given
// root trace id and parent (Lambda's segment) id, as aws-lambda-go passes
// it to the handler of an invocation.
func LambdaContext(ctx context.Context, root, parent string, sampled bool) context.Context {
	s := "0"
	if sampled {
		s = "1"
	}
	//lint:ignore SA1029 the key must be this string: it is aws-lambda-go's.
	return context.WithValue(ctx, LambdaTraceKey, "Root="+root+";Parent="+parent+";Sampled="+s)
}

// Document is one segment or subsegment as the X-Ray daemon receives it.
// Fields X-Ray defines but the package does not send are left out; Raw
// holds the whole JSON object.
type Document struct {
	TraceID     string                    `json:"trace_id"`
	ID          string                    `json:"id"`
	ParentID    string                    `json:"parent_id"`
	Name        string                    `json:"name"`
	Type        string                    `json:"type"` // "subsegment", or "" for a segment
	Namespace   string                    `json:"namespace"`
	StartTime   float64                   `json:"start_time"`
	EndTime     float64                   `json:"end_time"`
	InProgress  bool                      `json:"in_progress"`
	Error       bool                      `json:"error"`
	Fault       bool                      `json:"fault"`
	Throttle    bool                      `json:"throttle"`
	Annotations map[string]any            `json:"annotations"`
	Metadata    map[string]map[string]any `json:"metadata"`
	HTTP        *HTTP                     `json:"http"`
	AWS         map[string]any            `json:"aws"`
	SQL         map[string]any            `json:"sql"`
	Service     map[string]any            `json:"service"`
	Cause       *Cause                    `json:"cause"`
	Subsegments []Document                `json:"subsegments"`
	Raw         json.RawMessage           `json:"-"`
}

// HTTP is a document's http block.
type HTTP struct {
	Request struct {
		Method    string `json:"method"`
		URL       string `json:"url"`
		UserAgent string `json:"user_agent"`
		ClientIP  string `json:"client_ip"`
		Traced    bool   `json:"traced"`
	} `json:"request"`
	Response struct {
		Status        int `json:"status"`
		ContentLength int `json:"content_length"`
	} `json:"response"`
}

// Cause is a document's cause block.
type Cause struct {
	Exceptions []struct {
		Message string `json:"message"`
		Type    string `json:"type"`
	} `json:"exceptions"`
}

// UnmarshalJSON keeps the raw object next to the decoded fields.
func (d *Document) UnmarshalJSON(b []byte) error {
	type plain Document
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*d = Document(p)
	d.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// Find returns the first document named name in d's tree, d included,
// depth first.
func (d Document) Find(name string) (Document, bool) {
	if d.Name == name {
		return d, true
	}
	for _, s := range d.Subsegments {
		if f, ok := s.Find(name); ok {
			return f, true
		}
	}
	return Document{}, false
}

// Daemon is a fake X-Ray daemon listening on a UDP port on 127.0.0.1. It
// decodes each datagram as the daemon does, a JSON header line
// ({"format":"json","version":1}) then one JSON document. It is safe for
// concurrent use.
type Daemon struct {
	t      testing.TB
	conn   *net.UDPConn
	done   chan struct{}
	mu     sync.Mutex
	cond   *sync.Cond
	docs   []Document
	bad    []string
	marks  int
	closed bool
	stuck  bool // the safety net fired
}

// marker is the datagram Documents sends itself; it has no valid header.
const marker = "tracingtest-sync"

// NewDaemon starts a Daemon for a test, stopped when t ends.
func NewDaemon(t testing.TB) *Daemon {
	t.Helper()
	d, err := Listen()
	if err != nil {
		t.Fatalf("tracingtest: %v", err)
	}
	d.t = t
	t.Cleanup(d.Close)
	return d
}

// Listen starts a Daemon outside a test (in an example or a local run).
// Stop it with Close; read it with Received.
func Listen() (*Daemon, error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("tracingtest: listen: %w", err)
	}
	_ = conn.SetReadBuffer(4 << 20)
	d := &Daemon{conn: conn, done: make(chan struct{})}
	d.cond = sync.NewCond(&d.mu)
	go d.read()
	return d, nil
}

// Addr is the daemon's address, for tracing.Config.DaemonAddr.
func (d *Daemon) Addr() string { return d.conn.LocalAddr().String() }

// Close stops the daemon and waits for its goroutine to end.
func (d *Daemon) Close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	d.mu.Unlock()
	d.conn.Close()
	<-d.done
}

func (d *Daemon) read() {
	defer close(d.done)
	buf := make([]byte, 64<<10)
	for {
		n, _, err := d.conn.ReadFromUDP(buf)
		if err != nil {
			d.mu.Lock()
			d.closed = true
			d.cond.Broadcast()
			d.mu.Unlock()
			return
		}
		doc, perr := Decode(buf[:n])
		d.mu.Lock()
		switch {
		case string(buf[:n]) == marker:
			d.marks++
		case perr != nil:
			d.bad = append(d.bad, perr.Error())
		default:
			d.docs = append(d.docs, doc)
		}
		d.cond.Broadcast()
		d.mu.Unlock()
	}
}

// Decode parses one datagram as the X-Ray daemon does. The header is
// compared as JSON, not bytes: SDKs differ in spacing.
func Decode(b []byte) (Document, error) {
	head, body, ok := bytes.Cut(b, []byte("\n"))
	if !ok {
		return Document{}, fmt.Errorf("tracingtest: no header line in %q", truncate(b))
	}
	var h struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(head, &h); err != nil || h.Format != "json" || h.Version != 1 {
		return Document{}, fmt.Errorf("tracingtest: bad header %q", truncate(head))
	}
	var doc Document
	if err := json.Unmarshal(body, &doc); err != nil {
		return Document{}, fmt.Errorf("tracingtest: bad document: %w", err)
	}
	if doc.TraceID == "" || doc.ID == "" {
		return Document{}, fmt.Errorf("tracingtest: document without trace_id or id: %q", truncate(body))
	}
	return doc, nil
}

func truncate(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}

// Documents returns every document received so far, in arrival order,
// like [Daemon.Received], and fails the test on any error. It needs a
// Daemon from [NewDaemon].
func (d *Daemon) Documents() []Document {
	d.t.Helper()
	docs, err := d.Received()
	if err != nil {
		d.t.Fatal(err)
	}
	return docs
}

// Received returns every document received so far, in arrival order. It
// first makes sure that everything sent to the daemon before the call has
// been read, so "nothing was sent" can be asserted with len == 0. A
// datagram that could not be decoded makes it return an error.
func (d *Daemon) Received() ([]Document, error) {
	if err := d.sync(); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var err error
	if len(d.bad) > 0 {
		err = fmt.Errorf("tracingtest: %d malformed datagrams, the first: %s", len(d.bad), d.bad[0])
		d.bad = nil
	}
	return append([]Document(nil), d.docs...), err
}

// Reset forgets the documents received so far.
func (d *Daemon) Reset() {
	_ = d.sync()
	d.mu.Lock()
	d.docs, d.bad = nil, nil
	d.mu.Unlock()
}

// sync sends the daemon a marker datagram and waits until it has read it.
func (d *Daemon) sync() error {
	c, err := net.DialUDP("udp", nil, d.conn.LocalAddr().(*net.UDPAddr))
	if err != nil {
		return fmt.Errorf("tracingtest: dial daemon: %w", err)
	}
	defer c.Close()
	d.mu.Lock()
	want := d.marks + 1
	d.mu.Unlock()
	if _, err := c.Write([]byte(marker)); err != nil {
		return fmt.Errorf("tracingtest: write marker: %w", err)
	}
	// A safety net only: on loopback the marker arrives at once.
	timer := time.AfterFunc(30*time.Second, func() {
		d.mu.Lock()
		d.stuck = true
		d.cond.Broadcast()
		d.mu.Unlock()
	})
	defer timer.Stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	for d.marks < want && !d.closed && !d.stuck {
		d.cond.Wait()
	}
	if d.marks < want {
		return fmt.Errorf("tracingtest: the daemon did not receive its marker datagram")
	}
	return nil
}

// Discard starts a stand-in daemon that reads and drops every datagram,
// stopped when tb ends, and returns its address. Benchmarks use it to
// measure the tracer without the cost of decoding what it sends.
func Discard(tb testing.TB) string {
	tb.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatalf("tracingtest: listen: %v", err)
	}
	_ = c.SetReadBuffer(4 << 20)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			if _, _, err := c.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	tb.Cleanup(func() { c.Close(); <-done })
	return c.LocalAddr().String()
}
