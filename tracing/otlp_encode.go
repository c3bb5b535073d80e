package tracing

import (
	"encoding/binary"
	"math"
	"strings"
)

// This file writes the OTLP trace protobuf (opentelemetry/proto/trace/v1
// and collector/trace/v1) by hand: the few message types spans need are a
// small, stable wire format, and the generated code would link the
// protobuf runtime (and, through the OTLP exporter's configuration
// package, gRPC) into every service that traces.

// OTLP span kinds and status codes.
const (
	spanKindInternal = 1
	spanKindServer   = 2
	spanKindClient   = 3
	statusError      = 2
)

// protoBuf appends protobuf fields to b.
type protoBuf struct{ b []byte }

func (p *protoBuf) tag(field, wire int) { p.varint(uint64(field<<3 | wire)) }

func (p *protoBuf) varint(v uint64) { p.b = binary.AppendUvarint(p.b, v) }

func (p *protoBuf) bytes(field int, b []byte) {
	p.tag(field, 2)
	p.varint(uint64(len(b)))
	p.b = append(p.b, b...)
}

func (p *protoBuf) str(field int, s string) {
	p.tag(field, 2)
	p.varint(uint64(len(s)))
	p.b = append(p.b, s...)
}

func (p *protoBuf) uint(field int, v uint64) {
	p.tag(field, 0)
	p.varint(v)
}

func (p *protoBuf) fixed64(field int, v uint64) {
	p.tag(field, 1)
	p.b = binary.LittleEndian.AppendUint64(p.b, v)
}

// kv appends a KeyValue with a string, bool, integer or float value as
// field of the enclosing message.
func (p *protoBuf) kv(field int, key string, v any) {
	var val protoBuf
	switch x := v.(type) {
	case string:
		val.str(1, x)
	case bool:
		b := uint64(0)
		if x {
			b = 1
		}
		val.uint(2, b)
	case int:
		val.uint(3, uint64(int64(x)))
	case int64:
		val.uint(3, uint64(x))
	case uint64:
		if x > math.MaxInt64 {
			val.fixed64(4, math.Float64bits(float64(x)))
		} else {
			val.uint(3, x)
		}
	case float64:
		val.fixed64(4, math.Float64bits(x))
	default:
		return
	}
	var kv protoBuf
	kv.str(1, key)
	kv.bytes(2, val.b)
	p.bytes(field, kv.b)
}

// encodeExport encodes s and the closed spans under it as an
// ExportTraceServiceRequest. parent is s's parent span id.
func encodeExport(resource []byte, traceID string, s *seg, parent string) []byte {
	var spans protoBuf
	appendSpans(&spans, otelTraceID(traceID), s, parent)
	var scope protoBuf
	scope.str(1, "github.com/lambdasec/lambdasec/tracing")
	var ss protoBuf
	ss.bytes(1, scope.b)
	ss.b = append(ss.b, spans.b...)
	var rs protoBuf
	rs.bytes(1, resource)
	rs.bytes(2, ss.b)
	var req protoBuf
	req.bytes(1, rs.b)
	return req.b
}

// appendSpans appends s, then its closed children, as Span fields (2 of
// ScopeSpans). parent is s's parent span id. It marks a root as sent, as
// the X-Ray emitter does.
func appendSpans(out *protoBuf, traceID []byte, s *seg, parent string) {
	s.mu.Lock()
	if s.parent == nil {
		s.sent = true
	}
	span := encodeSpan(traceID, &s.doc, parent, s.parent == nil)
	children := append([]*seg(nil), s.children...)
	s.mu.Unlock()
	out.bytes(2, span)
	for _, c := range children {
		c.mu.Lock()
		closed := c.closed
		c.mu.Unlock()
		if closed {
			appendSpans(out, traceID, c, s.doc.ID)
		}
	}
}

// encodeSpan encodes one Span from a segment document: the X-Ray blocks
// become attributes named by OpenTelemetry's semantic conventions. The
// caller holds the segment's lock.
func encodeSpan(traceID []byte, d *segDoc, parent string, server bool) []byte {
	var p protoBuf
	p.bytes(1, traceID)
	p.bytes(2, spanID(d.ID))
	if parent != "" {
		p.bytes(4, spanID(parent))
	}
	p.str(5, d.Name)
	kind := spanKindInternal
	switch {
	case server:
		kind = spanKindServer
	case d.Namespace == "remote" || d.Namespace == "aws":
		kind = spanKindClient
	}
	p.uint(6, uint64(kind))
	p.fixed64(7, uint64(d.StartTime*1e9))
	p.fixed64(8, uint64(d.EndTime*1e9))
	spanAttributes(&p, d)
	for _, ex := range causes(d) {
		var ev protoBuf
		ev.fixed64(1, uint64(d.EndTime*1e9))
		ev.str(2, "exception")
		ev.kv(3, "exception.message", ex.Message)
		ev.kv(3, "exception.type", ex.Type)
		p.bytes(11, ev.b)
	}
	if d.Fault || d.Error {
		var st protoBuf
		if ex := causes(d); len(ex) > 0 {
			st.str(2, ex[0].Message)
		}
		st.uint(3, statusError)
		p.bytes(15, st.b)
	}
	return p.b
}

func causes(d *segDoc) []exception {
	if d.Cause == nil {
		return nil
	}
	return d.Cause.Exceptions
}

// spanAttributes writes the attributes (field 9) of a span.
func spanAttributes(p *protoBuf, d *segDoc) {
	if h := d.HTTP; h != nil {
		attr(p, "http.request.method", h.Request.Method)
		attr(p, "url.full", h.Request.URL)
		attr(p, "user_agent.original", h.Request.UserAgent)
		attr(p, "client.address", h.Request.ClientIP)
		if h.Response.Status != 0 {
			p.kv(9, "http.response.status_code", int64(h.Response.Status))
		}
	}
	for k, v := range d.SQL {
		if s, ok := v.(string); ok && s != "" {
			attr(p, sqlAttr(k), s)
		}
	}
	for k, v := range d.AWS {
		if k != "xray" {
			p.kv(9, awsAttr(k), v)
		}
	}
	if d.Namespace == "aws" {
		attr(p, "rpc.system", "aws-api")
		attr(p, "rpc.service", d.Name)
	}
	for ns, m := range d.Metadata {
		for k, v := range m {
			p.kv(9, ns+"."+k, v)
		}
	}
	for k, v := range d.Annotations {
		if k == "route" {
			attr(p, "http.route", v.(string))
		}
		p.kv(9, k, v)
	}
}

func attr(p *protoBuf, k, v string) {
	if v != "" {
		p.kv(9, k, v)
	}
}

func sqlAttr(k string) string {
	switch k {
	case "sanitized_query":
		return "db.query.text"
	case "database_type":
		return "db.system"
	case "url":
		return "server.address"
	case "user":
		return "db.user"
	}
	return "db." + k
}

func awsAttr(k string) string {
	switch k {
	case "operation":
		return "rpc.method"
	case "region":
		return "cloud.region"
	}
	return "aws." + strings.TrimPrefix(k, "aws.")
}
