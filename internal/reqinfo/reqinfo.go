// Package reqinfo carries what the library knows about the request being
// served, from the code that adapts an event or accepts a connection to
// the code that logs or traces it, without either importing the other.
package reqinfo

import (
	"context"
	"net/http"
	"strings"
	"sync"
)

// Info describes one request. Create it with [New]; the route may be set
// later, from another goroutine, so it sits behind a lock.
type Info struct {
	// RequestID is the id the front door gave the request: API Gateway's
	// requestContext.requestId, the load balancer's trace id, or one made
	// up for a local server.
	RequestID string
	// LambdaRequestID is the Lambda invocation's request id, if any.
	LambdaRequestID string
	// TraceID is the X-Ray trace id (the Root of X-Amzn-Trace-Id), if any.
	TraceID string
	// ColdStart is true for the first invocation of an environment.
	ColdStart bool
	// Function is the Lambda function name, if any.
	Function string

	mu    sync.Mutex
	route string
	req   *http.Request // the request handed down, for its Pattern
}

type key struct{}

// NewContext returns ctx carrying info.
func NewContext(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// FromContext returns the Info in ctx, if any.
func FromContext(ctx context.Context) (*Info, bool) {
	info, ok := ctx.Value(key{}).(*Info)
	return info, ok && info != nil
}

// SetRoute records the route pattern; the last call wins.
func (i *Info) SetRoute(pattern string) {
	i.mu.Lock()
	i.route = pattern
	i.mu.Unlock()
}

// Watch remembers the request handed down the chain: a ServeMux records
// the pattern it matched in that request's Pattern field.
func (i *Info) Watch(r *http.Request) {
	i.mu.Lock()
	i.req = r
	i.mu.Unlock()
}

// Route returns the recorded route, else the Pattern of the watched
// request, else "".
func (i *Info) Route() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.route != "" {
		return i.route
	}
	if i.req != nil {
		return i.req.Pattern
	}
	return ""
}

// TraceRoot returns the Root of an X-Amzn-Trace-Id header
// ("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=...") when it has the
// X-Ray shape, else "". The header comes from the client or the load
// balancer: anything else in it is ignored, never logged.
func TraceRoot(h string) string {
	for part := range strings.SplitSeq(h, ";") {
		v, ok := strings.CutPrefix(strings.TrimSpace(part), "Root=")
		if ok && len(v) == 35 && v[0] == '1' && v[1] == '-' && v[10] == '-' && isHexDash(v) {
			return v
		}
	}
	return ""
}

func isHexDash(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '-') {
			return false
		}
	}
	return true
}
