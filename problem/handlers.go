package problem

import (
	"net/http"
	"strings"
)

// NotFound answers 404 as a problem. Use it where a router takes a
// not-found handler, or through [WrapMux].
func NotFound(w http.ResponseWriter, _ *http.Request) {
	Error(w, http.StatusNotFound)
}

// MethodNotAllowed returns a handler that answers 405 as a problem with
// the Allow header listing allow (RFC 9110 §15.5.6 requires it).
func MethodNotAllowed(allow ...string) http.Handler {
	list := strings.Join(allow, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", list)
		Error(w, http.StatusMethodNotAllowed)
	})
}

// WrapMux returns a handler that serves requests through mux and answers
// the mux's own 404 and 405 (a request that matches no pattern, or
// matches one only under other methods) as problems. The mux's Allow
// header is kept; its redirects and every answer of a matched handler are
// left alone.
func WrapMux(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// No pattern matched: h is the mux's own 404, 405 or redirect.
		h.ServeHTTP(&muxError{ResponseWriter: w}, r)
	})
}

// muxError turns a plain-text 404 or 405 from ServeMux into a problem and
// swallows the text body that follows; anything else passes through.
type muxError struct {
	http.ResponseWriter
	replaced bool
}

func (m *muxError) WriteHeader(status int) {
	if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
		m.ResponseWriter.WriteHeader(status)
		return
	}
	m.replaced = true
	h := m.ResponseWriter.Header()
	h.Del("Content-Type") // http.Error set text/plain
	Error(m.ResponseWriter, status)
}

func (m *muxError) Write(b []byte) (int, error) {
	if m.replaced {
		return len(b), nil
	}
	return m.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (m *muxError) Unwrap() http.ResponseWriter { return m.ResponseWriter }
