package lambdahttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// incoming is an HTTP request as any of the event shapes carries it.
type incoming struct {
	method string
	// path is the decoded path (payload 1.0); rawPath the path as the
	// client encoded it (payload 2.0, ALB). One of them is set.
	path, rawPath string
	rawQuery      string
	header        http.Header
	body          string
	base64        bool
	domain        string // requestContext.domainName, if the Host header is missing
	sourceIP      string // the caller's address as the front door saw it
}

// incomingV1 reads a payload 1.0 event. Multi-value members are preferred:
// the single-value ones hold only the last value of each name.
func (ev *Event) incomingV1() incoming {
	e := ev.APIGatewayV1
	in := incoming{method: e.HTTPMethod, path: e.Path, body: e.Body, base64: e.IsBase64Encoded,
		domain: e.RequestContext.DomainName, sourceIP: e.RequestContext.Identity.SourceIP}
	in.header = headerOf(e.MultiValueHeaders, e.Headers)
	q := url.Values(e.MultiValueQueryStringParameters)
	if len(q) == 0 {
		q = url.Values{}
		for k, v := range e.QueryStringParameters {
			q.Set(k, v)
		}
	}
	// API Gateway decoded the parameters: encode them again.
	in.rawQuery = q.Encode()
	return in
}

// incomingV2 reads a payload 2.0 event (HTTP API or Function URL).
func incomingV2(method, rawPath, rawQuery string, headers map[string]string, cookies []string,
	body string, b64 bool, domain, sourceIP string) incoming {
	in := incoming{method: method, rawPath: rawPath, rawQuery: rawQuery, body: body, base64: b64,
		domain: domain, sourceIP: sourceIP}
	// Values are kept as delivered: splitting them on commas would break
	// the ones that contain commas (dates, quoted strings).
	in.header = headerOf(nil, headers)
	if len(cookies) > 0 {
		in.header.Set("Cookie", strings.Join(cookies, "; "))
	}
	return in
}

// incomingALB reads an ALB event in either header mode. The load balancer
// passes the query as the client encoded it, so it is joined, not encoded.
func (ev *Event) incomingALB() incoming {
	e := ev.ALB
	in := incoming{method: e.HTTPMethod, rawPath: e.Path, body: e.Body, base64: e.IsBase64Encoded}
	in.header = headerOf(e.MultiValueHeaders, e.Headers)
	q := e.MultiValueQueryStringParameters
	if len(q) == 0 {
		q = make(map[string][]string, len(e.QueryStringParameters))
		for k, v := range e.QueryStringParameters {
			q[k] = []string{v}
		}
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(q)) {
		for _, v := range q[k] {
			parts = append(parts, k+"="+v)
		}
	}
	in.rawQuery = strings.Join(parts, "&")
	// The load balancer appends the address it saw to X-Forwarded-For;
	// everything to the left of that came from the client.
	if xff := in.header.Values("X-Forwarded-For"); len(xff) > 0 {
		last := xff[len(xff)-1]
		in.sourceIP = strings.TrimSpace(last[strings.LastIndexByte(last, ',')+1:])
	}
	return in
}

// headerOf builds a header from multi, or from single when multi is empty.
func headerOf(multi map[string][]string, single map[string]string) http.Header {
	h := make(http.Header, max(len(multi), len(single)))
	if len(multi) > 0 {
		for k, vs := range multi {
			for _, v := range vs {
				h.Add(k, v)
			}
		}
		return h
	}
	for k, v := range single {
		h.Add(k, v)
	}
	return h
}

// incoming returns the request the event carries.
func (ev *Event) incoming() incoming {
	switch ev.Source {
	case APIGatewayV1:
		return ev.incomingV1()
	case APIGatewayV2:
		e := ev.APIGatewayV2
		return incomingV2(e.RequestContext.HTTP.Method, e.RawPath, e.RawQueryString, e.Headers, e.Cookies,
			e.Body, e.IsBase64Encoded, e.RequestContext.DomainName, e.RequestContext.HTTP.SourceIP)
	case FunctionURL:
		e := ev.FunctionURL
		return incomingV2(e.RequestContext.HTTP.Method, e.RawPath, e.RawQueryString, e.Headers, e.Cookies,
			e.Body, e.IsBase64Encoded, e.RequestContext.DomainName, e.RequestContext.HTTP.SourceIP)
	default:
		return ev.incomingALB()
	}
}

// request builds the server-side request in of ev, with ctx (the
// invocation's, carrying ev) as its context. Errors wrap ErrBadEvent or
// ErrBodyTooLarge.
func (in incoming) request(ctx context.Context, maxBody int64) (*http.Request, error) {
	if !isToken(in.method) {
		return nil, fmt.Errorf("%w: missing or invalid HTTP method", ErrBadEvent)
	}
	u, err := in.url()
	if err != nil {
		return nil, err
	}
	for k, vs := range in.header {
		if !isToken(k) {
			return nil, fmt.Errorf("%w: invalid header name", ErrBadEvent)
		}
		for _, v := range vs {
			if !validHeaderValue(v) {
				return nil, fmt.Errorf("%w: invalid value in header %s", ErrBadEvent, k)
			}
		}
	}
	body, err := in.decodeBody(maxBody)
	if err != nil {
		return nil, err
	}
	r := &http.Request{
		Method:     in.method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     in.header,
		Body:       http.NoBody,
		Host:       in.header.Get("Host"),
		RemoteAddr: remoteAddr(in.sourceIP),
		RequestURI: u.RequestURI(),
	}
	// As from net/http's server: the host lives in r.Host only.
	delete(r.Header, "Host")
	if r.Host == "" {
		r.Host = in.domain
	}
	if len(body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	return r.WithContext(ctx), nil
}

func (in incoming) url() (*url.URL, error) {
	u := &url.URL{Path: in.path, RawQuery: in.rawQuery}
	if in.rawPath != "" {
		p, err := url.PathUnescape(in.rawPath)
		if err != nil {
			return nil, fmt.Errorf("%w: path is not validly percent-encoded", ErrBadEvent)
		}
		u.Path, u.RawPath = p, in.rawPath
	}
	if !strings.HasPrefix(u.Path, "/") {
		return nil, fmt.Errorf("%w: path is not absolute", ErrBadEvent)
	}
	if strings.ContainsAny(in.rawQuery, "# \r\n") || strings.ContainsAny(u.RawPath, "?# \r\n") {
		return nil, fmt.Errorf("%w: path or query holds characters a request line cannot", ErrBadEvent)
	}
	return u, nil
}

// decodeBody returns the body, base64-decoded when flagged, refusing one
// over maxBody before decoding it where the encoded size already tells.
func (in incoming) decodeBody(maxBody int64) ([]byte, error) {
	tooLarge := func() error { return fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, maxBody) }
	if !in.base64 {
		if int64(len(in.body)) > maxBody {
			return nil, tooLarge()
		}
		return []byte(in.body), nil
	}
	// Every 4 characters carry 3 bytes, less at most 2 of padding.
	if int64(len(in.body))/4*3-2 > maxBody {
		return nil, tooLarge()
	}
	b, err := base64.StdEncoding.DecodeString(in.body)
	if err != nil {
		return nil, fmt.Errorf("%w: body is not valid base64: %w", ErrBadEvent, err)
	}
	if int64(len(b)) > maxBody {
		return nil, tooLarge()
	}
	return b, nil
}

// remoteAddr is the caller's address as "ip:0", or "" when s is not an
// IP address (API Gateway's console tests send "test-invoke-source-ip").
func remoteAddr(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return ""
	}
	return netip.AddrPortFrom(a.Unmap().WithZone(""), 0).String()
}

// isToken reports whether s is an RFC 9110 token, as methods and header
// names must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if c >= 0x80 || !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether v may be an RFC 9110 field value: no
// control characters other than horizontal tab (so no CR or LF that
// could split a header), and no DEL.
func validHeaderValue(v string) bool {
	for i := range len(v) {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
