package tracingtest

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Collector is a fake OpenTelemetry collector: an OTLP/HTTP endpoint on
// loopback that decodes the protobuf ExportTraceServiceRequest bodies a
// tracer posts, so tests can assert on the spans exactly as a collector
// receives them.
//
//	c := tracingtest.NewCollector(t)
//	tr, _ := tracing.New(tracing.Config{OTLPEndpoint: c.Endpoint()})
//	// ... serve requests through tr.Handler, then tr.Flush(ctx) ...
//	for _, s := range c.Spans() { ... }
//
// It is safe for concurrent use.
type Collector struct {
	t     testing.TB
	srv   *httptest.Server
	mu    sync.Mutex
	spans []Span
	bad   []string
}

// Span is one span as the collector received it. Ids are lowercase hex.
type Span struct {
	TraceID, SpanID, ParentSpanID string
	Name                          string
	Kind                          int // 1 internal, 2 server, 3 client
	StartUnixNano, EndUnixNano    uint64
	Attributes                    map[string]any // string, bool, int64 or float64
	Events                        []Event
	StatusCode                    int // 0 unset, 1 ok, 2 error
	StatusMessage                 string
	Resource                      map[string]any
	// Raw holds the encoded Span message, to search for bytes that must
	// not be there.
	Raw []byte
}

// Event is a span event, such as an "exception".
type Event struct {
	Name       string
	Attributes map[string]any
}

// NewCollector starts a Collector for a test, stopped when t ends. When
// t ends, a body that was not a valid OTLP request fails the test.
func NewCollector(t testing.TB) *Collector {
	c := &Collector{t: t}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(func() {
		c.srv.Close()
		c.mu.Lock()
		defer c.mu.Unlock()
		if len(c.bad) > 0 {
			t.Errorf("tracingtest: %d malformed OTLP requests, the first: %s", len(c.bad), c.bad[0])
		}
	})
	return c
}

// Endpoint is the traces URL to give the tracer.
func (c *Collector) Endpoint() string { return c.srv.URL + "/v1/traces" }

// Spans returns the spans received so far, in the order received.
func (c *Collector) Spans() []Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Span(nil), c.spans...)
}

// Reset forgets the spans received so far.
func (c *Collector) Reset() {
	c.mu.Lock()
	c.spans = nil
	c.mu.Unlock()
}

func (c *Collector) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err == nil && (r.Method != http.MethodPost || r.URL.Path != "/v1/traces" ||
		r.Header.Get("Content-Type") != "application/x-protobuf") {
		err = fmt.Errorf("%s %s with Content-Type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	var spans []Span
	if err == nil {
		spans, err = DecodeExport(body)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.bad = append(c.bad, err.Error())
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	c.spans = append(c.spans, spans...)
	w.Header().Set("Content-Type", "application/x-protobuf")
}

// DecodeExport decodes an OTLP ExportTraceServiceRequest in protobuf into
// its spans, each with its resource's attributes.
func DecodeExport(b []byte) ([]Span, error) {
	var out []Span
	err := fields(b, func(n int, v field) error {
		if n != 1 {
			return nil
		}
		var res map[string]any
		var spans []Span
		err := fields(v.b, func(n int, v field) error {
			switch n {
			case 1: // Resource
				res = map[string]any{}
				return fields(v.b, func(n int, v field) error { return attribute(n, 1, v, res) })
			case 2: // ScopeSpans
				return fields(v.b, func(n int, v field) error {
					if n != 2 {
						return nil
					}
					s, err := decodeSpan(v.b)
					spans = append(spans, s)
					return err
				})
			}
			return nil
		})
		for i := range spans {
			spans[i].Resource = res
		}
		out = append(out, spans...)
		return err
	})
	return out, err
}

func decodeSpan(b []byte) (Span, error) {
	s := Span{Attributes: map[string]any{}, Raw: append([]byte(nil), b...)}
	err := fields(b, func(n int, v field) error {
		switch n {
		case 1:
			s.TraceID = hex.EncodeToString(v.b)
		case 2:
			s.SpanID = hex.EncodeToString(v.b)
		case 4:
			s.ParentSpanID = hex.EncodeToString(v.b)
		case 5:
			s.Name = string(v.b)
		case 6:
			s.Kind = int(v.u)
		case 7:
			s.StartUnixNano = v.u
		case 8:
			s.EndUnixNano = v.u
		case 9:
			return attribute(n, 9, v, s.Attributes)
		case 11:
			ev := Event{Attributes: map[string]any{}}
			s.Events = append(s.Events, ev)
			return fields(v.b, func(n int, f field) error {
				if n == 2 {
					s.Events[len(s.Events)-1].Name = string(f.b)
				}
				return attribute(n, 3, f, s.Events[len(s.Events)-1].Attributes)
			})
		case 15:
			return fields(v.b, func(n int, f field) error {
				switch n {
				case 2:
					s.StatusMessage = string(f.b)
				case 3:
					s.StatusCode = int(f.u)
				}
				return nil
			})
		}
		return nil
	})
	if err == nil && (len(s.TraceID) != 32 || len(s.SpanID) != 16 || s.ParentSpanID != "" && len(s.ParentSpanID) != 16) {
		err = fmt.Errorf("span %q with trace id %q, span id %q, parent %q", s.Name, s.TraceID, s.SpanID, s.ParentSpanID)
	}
	return s, err
}

// attribute decodes field n, when it is the KeyValue field want, into m.
func attribute(n, want int, v field, m map[string]any) error {
	if n != want {
		return nil
	}
	var key string
	var val any
	err := fields(v.b, func(n int, f field) error {
		switch n {
		case 1:
			key = string(f.b)
		case 2:
			return fields(f.b, func(n int, f field) error {
				switch n {
				case 1:
					val = string(f.b)
				case 2:
					val = f.u != 0
				case 3:
					val = int64(f.u)
				case 4:
					val = math.Float64frombits(f.u)
				}
				return nil
			})
		}
		return nil
	})
	m[key] = val
	return err
}

// field is one protobuf field: u for varint and fixed64, b for bytes.
type field struct {
	u uint64
	b []byte
}

var errTruncated = errors.New("tracingtest: truncated protobuf")

// fields calls fn for each field of the protobuf message b.
func fields(b []byte, fn func(n int, v field) error) error {
	for len(b) > 0 {
		key, k := binary.Uvarint(b)
		if k <= 0 {
			return errTruncated
		}
		b = b[k:]
		var v field
		switch key & 7 {
		case 0:
			u, k := binary.Uvarint(b)
			if k <= 0 {
				return errTruncated
			}
			v.u, b = u, b[k:]
		case 1:
			if len(b) < 8 {
				return errTruncated
			}
			v.u, b = binary.LittleEndian.Uint64(b), b[8:]
		case 2:
			l, k := binary.Uvarint(b)
			if k <= 0 || uint64(len(b)-k) < l {
				return errTruncated
			}
			v.b, b = b[k:k+int(l)], b[k+int(l):]
		case 5:
			if len(b) < 4 {
				return errTruncated
			}
			v.u, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		default:
			return fmt.Errorf("tracingtest: protobuf wire type %d", key&7)
		}
		if err := fn(int(key>>3), v); err != nil {
			return err
		}
	}
	return nil
}
