package tracing

import (
	"strconv"
	"strings"
)

// traceHeader is the part of an X-Amzn-Trace-Id header the package uses.
// Other fields (Self, Lineage, ...) are dropped: they are not ours to
// forward, and the header can come from anyone on the internet.
type traceHeader struct {
	root    string // "1-" 8 hex "-" 24 hex, or ""
	parent  string // 16 hex, or ""
	sampled int8   // 1 sampled, 0 not sampled, -1 undecided
}

// maxTraceHeader bounds the work done on an incoming header. Real headers
// are about 100 bytes; ALB and API Gateway add at most a Self field.
const maxTraceHeader = 512

// parseTraceHeader parses an X-Amzn-Trace-Id value strictly. A malformed
// Root or Parent is discarded rather than forwarded, so a client cannot
// inject arbitrary text into trace ids; ok is false when no usable root was
// found.
func parseTraceHeader(s string) (h traceHeader, ok bool) {
	h.sampled = -1
	if len(s) > maxTraceHeader {
		return h, false
	}
	for s != "" {
		var field string
		field, s, _ = strings.Cut(s, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(field), "=")
		switch k {
		case "Root":
			if validTraceID(v) {
				h.root = v
			}
		case "Parent":
			if validSegmentID(v) {
				h.parent = v
			}
		case "Sampled":
			switch v {
			case "1":
				h.sampled = 1
			case "0":
				h.sampled = 0
			}
		}
	}
	if h.root == "" {
		h.parent = ""
	}
	return h, h.root != ""
}

// String formats the header for a downstream call.
func (h traceHeader) String() string {
	var b strings.Builder
	b.Grow(80)
	b.WriteString("Root=")
	b.WriteString(h.root)
	if h.parent != "" {
		b.WriteString(";Parent=")
		b.WriteString(h.parent)
	}
	switch h.sampled {
	case 1:
		b.WriteString(";Sampled=1")
	case 0:
		b.WriteString(";Sampled=0")
	}
	return b.String()
}

// validTraceID reports whether s is "1-" + 8 hex digits + "-" + 24 hex.
func validTraceID(s string) bool {
	if len(s) != 35 || s[0] != '1' || s[1] != '-' || s[10] != '-' {
		return false
	}
	return isHex(s[2:10]) && isHex(s[11:])
}

// validSegmentID reports whether s is 16 hex digits.
func validSegmentID(s string) bool { return len(s) == 16 && isHex(s) }

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// traceparentHeader is the W3C Trace Context header.
const traceparentHeader = "Traceparent"

// parseTraceparent parses a W3C traceparent header of version 00 into
// the X-Ray form of its ids, so a trace started by an OpenTelemetry
// service continues under the same id.
func parseTraceparent(s string) (h traceHeader, ok bool) {
	h.sampled = -1
	if len(s) != 55 || s[:3] != "00-" || s[35] != '-' || s[52] != '-' {
		return h, false
	}
	tid, pid, flags := s[3:35], s[36:52], s[53:]
	if !isHex(tid) || !isHex(pid) || !isHex(flags) ||
		tid == "00000000000000000000000000000000" || pid == "0000000000000000" {
		return h, false
	}
	h.root, h.parent = xrayTraceID(tid), pid
	h.sampled = 0
	if f, _ := strconv.ParseUint(flags, 16, 8); f&1 == 1 {
		h.sampled = 1
	}
	return h, true
}

// traceparent formats a W3C traceparent header for a downstream call.
func (h traceHeader) traceparent() string {
	flags := "-00"
	if h.sampled == 1 {
		flags = "-01"
	}
	parent := h.parent
	if parent == "" {
		parent = newSegmentID()
	}
	return "00-" + h.root[2:10] + h.root[11:] + "-" + parent + flags
}
