package secevent

import (
	"net"
	"net/http"
)

// ForRequest returns an event named name about the request r: ClientIP is
// the host of r.RemoteAddr (the caller's source address, as net/http and
// lambdahttp set it; behind proxies, set ClientIP from a trusted-proxy
// aware source such as ratelimit's ClientIP instead) and Route is the
// pattern the ServeMux matched (r.Pattern), never the raw path.
func ForRequest(r *http.Request, name Name) Event {
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return Event{Name: name, ClientIP: ip, Route: r.Pattern}
}
