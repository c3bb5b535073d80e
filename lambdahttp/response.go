package lambdahttp

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

// responseWriter buffers a handler's answer. Like net/http's, it takes a
// snapshot of the header at WriteHeader (later changes are not sent),
// ignores 1xx answers and a second WriteHeader, and panics on a status
// outside 100-999. It does not implement Flush: nothing can be sent before
// the handler returns.
type responseWriter struct {
	header http.Header
	sent   http.Header
	status int
	body   bytes.Buffer
}

func newResponseWriter() *responseWriter { return &responseWriter{header: make(http.Header)} }

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if w.status != 0 || code < 200 {
		return
	}
	w.status = code
	w.sent = w.header.Clone()
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.body.Write(b)
}

// reset forgets everything written, so that an error answer can replace it.
func (w *responseWriter) reset() {
	*w = responseWriter{header: make(http.Header)}
}

// answer is a finished response in the terms every event format uses.
type answer struct {
	status int
	header http.Header
	body   string
	base64 bool
}

// finish returns the buffered answer to a request of the given method.
func (w *responseWriter) finish(method string) answer {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	h := sanitize(w.sent)
	body := w.body.Bytes()
	if _, set := h["Content-Type"]; !set && len(body) > 0 {
		// What net/http would send from a local server.
		h.Set("Content-Type", http.DetectContentType(body))
	}
	if method == http.MethodHead {
		body = nil
	}
	a := answer{status: w.status, header: h}
	if isText(h, body) {
		a.body = string(body)
	} else {
		a.base64 = true
		a.body = base64.StdEncoding.EncodeToString(body)
	}
	return a
}

// sanitize drops header names that could not be sent and turns line
// breaks in values into spaces, as net/http does on the wire.
func sanitize(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if k == "" || strings.ContainsAny(k, " \t\r\n:") {
			continue
		}
		clean := make([]string, len(vs))
		for i, v := range vs {
			clean[i] = strings.Map(func(r rune) rune {
				if r == '\r' || r == '\n' || r == 0 {
					return ' '
				}
				return r
			}, v)
		}
		k = http.CanonicalHeaderKey(k)
		out[k] = append(out[k], clean...)
	}
	return out
}

// isText reports whether body can travel as a JSON string: a textual
// Content-Type, no Content-Encoding and valid UTF-8 (a JSON string cannot
// hold other bytes; they would come out as U+FFFD).
func isText(h http.Header, body []byte) bool {
	if len(body) == 0 {
		return true
	}
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return false
	}
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return false
	}
	return textual(mt) && utf8.Valid(body)
}

func textual(mt string) bool {
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	switch mt {
	case "application/json", "application/javascript", "application/ecmascript", "application/xml",
		"application/yaml", "application/x-www-form-urlencoded", "application/graphql", "image/svg+xml":
		return true
	}
	for _, suffix := range []string{"+json", "+xml", "+yaml"} {
		if strings.HasSuffix(mt, suffix) {
			return true
		}
	}
	return false
}
