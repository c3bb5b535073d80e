package tracing

import (
	"net/http"
	"net/url"
)

// Client returns a copy of c whose requests are traced: each becomes a
// subsegment named after the target host, in the "remote" namespace, with
// the method, URL (without user info or query) and status, and carries an
// X-Amzn-Trace-Id header so the next service continues the trace. A nil c
// means http.DefaultClient. Requests whose context carries no trace are
// sent unchanged. The subsegment ends when the response headers arrive. A
// failed request is a fault; quoted values in the error, such as the URL
// with its query string, are hidden.
func Client(c *http.Client) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	cc := *c
	cc.Transport = Transport(c.Transport)
	return &cc
}

// Transport returns rt wrapped like the transport of [Client]. A nil rt
// means http.DefaultTransport.
func Transport(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	if _, ok := rt.(*transport); ok {
		return rt
	}
	return &transport{next: rt}
}

type transport struct{ next http.RoundTripper }

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	tr, seg := segment(ctx)
	if tr == nil || tr.id == "" {
		return t.next.RoundTrip(req)
	}
	if seg == nil {
		// Not sampled: tell the next service, so it does not sample
		// a fragment of this trace on its own.
		r2 := req.Clone(ctx)
		tr.propagate(r2.Header, "")
		return t.next.RoundTrip(r2)
	}
	_, sub := beginSub(ctx, sanitizeName(req.URL.Host))
	if sub == nil {
		return t.next.RoundTrip(req)
	}
	sub.mu.Lock()
	sub.doc.Namespace = "remote"
	hr := &sub.http().Request
	hr.Method = req.Method
	hr.URL = outgoingURL(req.URL)
	id := sub.id()
	sub.mu.Unlock()

	r2 := req.Clone(ctx)
	tr.propagate(r2.Header, id)
	resp, err := t.next.RoundTrip(r2)

	sub.mu.Lock()
	if resp != nil {
		setStatus(sub, resp.StatusCode)
		if resp.ContentLength >= 0 {
			sub.http().Response.ContentLength = int(resp.ContentLength)
		}
	}
	sub.mu.Unlock()
	closeSeg(sub, err)
	return resp, err
}

// CloseIdleConnections forwards to the wrapped transport, so
// http.Client.CloseIdleConnections keeps working.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// outgoingURL is scheme://host/path of u, without user info, query or
// fragment. It is built from parts rather than by clearing fields: an
// opaque URL keeps its query in Opaque.
func outgoingURL(u *url.URL) string {
	return truncate(u.Scheme+"://"+u.Host+u.EscapedPath(), 2048)
}
