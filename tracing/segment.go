package tracing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// A seg is one X-Ray segment or subsegment being recorded. Its fields are
// the segment document (the X-Ray "Segment documents"
// format), encoded when the request's root closes. Every field is
// guarded by mu; the helpers that set several at once take it themselves.
type seg struct {
	mu       sync.Mutex
	doc      segDoc
	parent   *seg // nil for the root of a document
	tr       *trace
	children []*seg
	closed   bool
	sent     bool // the root's document was sent; late children go alone
}

// segDoc is the JSON shape of a segment document.
type segDoc struct {
	Name        string                    `json:"name"`
	ID          string                    `json:"id"`
	TraceID     string                    `json:"trace_id,omitempty"`
	ParentID    string                    `json:"parent_id,omitempty"`
	Type        string                    `json:"type,omitempty"`
	StartTime   float64                   `json:"start_time"`
	EndTime     float64                   `json:"end_time,omitempty"`
	InProgress  bool                      `json:"in_progress,omitempty"`
	Namespace   string                    `json:"namespace,omitempty"`
	Error       bool                      `json:"error,omitempty"`
	Fault       bool                      `json:"fault,omitempty"`
	Throttle    bool                      `json:"throttle,omitempty"`
	HTTP        *httpBlock                `json:"http,omitempty"`
	AWS         map[string]any            `json:"aws,omitempty"`
	SQL         map[string]any            `json:"sql,omitempty"`
	Service     map[string]any            `json:"service,omitempty"`
	Annotations map[string]any            `json:"annotations,omitempty"`
	Metadata    map[string]map[string]any `json:"metadata,omitempty"`
	Cause       *causeBlock               `json:"cause,omitempty"`
	Subsegments []json.RawMessage         `json:"subsegments,omitempty"`
}

type httpBlock struct {
	Request  httpRequest  `json:"request"`
	Response httpResponse `json:"response"`
}

type httpRequest struct {
	Method    string `json:"method,omitempty"`
	URL       string `json:"url,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	ClientIP  string `json:"client_ip,omitempty"`
}

type httpResponse struct {
	Status        int `json:"status,omitempty"`
	ContentLength int `json:"content_length,omitempty"`
}

type causeBlock struct {
	Exceptions []exception `json:"exceptions"`
}

type exception struct {
	ID      string `json:"id"`
	Message string `json:"message"`
	Type    string `json:"type,omitempty"`
}

type segKey struct{}

// currentSeg is the open segment in ctx, or nil.
func currentSeg(ctx context.Context) *seg {
	s, _ := ctx.Value(segKey{}).(*seg)
	return s
}

// newRoot starts the root of a document: a segment outside Lambda, a
// subsegment of Lambda's segment (parent is its id) inside.
func newRoot(tr *trace, name, parent string, sub bool) *seg {
	s := &seg{tr: tr, doc: segDoc{Name: name, ID: newSegmentID(), TraceID: tr.id, ParentID: parent, StartTime: now()}}
	if sub {
		s.doc.Type = "subsegment"
	}
	return s
}

// beginSub begins a subsegment named name under the open segment in ctx.
func beginSub(ctx context.Context, name string) (context.Context, *seg) {
	p := currentSeg(ctx)
	if p == nil {
		return ctx, nil
	}
	s := &seg{tr: p.tr, parent: p, doc: segDoc{Name: name, ID: newSegmentID(), Type: "subsegment", StartTime: now()}}
	p.mu.Lock()
	p.children = append(p.children, s)
	p.mu.Unlock()
	return context.WithValue(ctx, segKey{}, s), s
}

// id returns the segment's id, for trace headers.
func (s *seg) id() string { return s.doc.ID } // set once, before s is shared

// httpBlock returns the http block, creating it. The caller holds mu.
func (s *seg) http() *httpBlock {
	if s.doc.HTTP == nil {
		s.doc.HTTP = &httpBlock{}
	}
	return s.doc.HTTP
}

// aws returns the aws block, creating it. The caller holds mu.
func (s *seg) aws() map[string]any {
	if s.doc.AWS == nil {
		s.doc.AWS = make(map[string]any, 4)
	}
	return s.doc.AWS
}

// close ends s. Closing the root sends its document; a child that ends
// after that is sent on its own.
func (s *seg) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.doc.EndTime = now()
	s.mu.Unlock()
	root := s
	for root.parent != nil {
		root = root.parent
	}
	if s == root {
		s.tr.exp.send(s.tr, s, true)
		return
	}
	root.mu.Lock()
	late := root.sent
	root.mu.Unlock()
	if late {
		s.tr.exp.send(s.tr, s, false)
	}
}

// now is the current time in X-Ray's format, seconds since the epoch.
func now() float64 { return float64(time.Now().UnixNano()) / 1e9 }

// newSegmentID returns a fresh 16-hex-digit segment id.
func newSegmentID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return hex.EncodeToString(b[:])
}

// exceptionOf describes err for a cause block, with quoted values in its
// message hidden (see redactMessage).
func exceptionOf(err error) exception {
	return exception{ID: newSegmentID(), Message: redactMessage(err.Error()), Type: fmt.Sprintf("%T", err)}
}

// serviceBlock is the service block of a local segment.
func serviceBlock(version string) map[string]any {
	m := map[string]any{"runtime": runtime.Compiler, "runtime_version": runtime.Version()}
	if version != "" {
		m["version"] = version
	}
	return m
}
