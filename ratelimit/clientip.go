package ratelimit

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP finds the address of the client that sent a request. It trusts
// only what the network vouches for, the request's RemoteAddr (on Lambda,
// the source IP of the event, set by the adapter): X-Forwarded-For is
// read only when the immediate peer is a configured trusted proxy, and then
// from the right, stopping at the first address that is not trusted. A
// client can write anything it likes to the left of that point, so nothing
// there is ever used.
type clientIP struct {
	trusted []netip.Prefix
	v6bits  int
}

func newClientIP(proxies []string, v6bits int) (clientIP, error) {
	c := clientIP{v6bits: v6bits}
	for _, s := range proxies {
		p, err := parsePrefix(s)
		if err != nil {
			return clientIP{}, fmt.Errorf("%w: TrustedProxies: %q is not an address or CIDR prefix", ErrInvalidConfig, s)
		}
		if p.Bits() == 0 {
			// Every peer trusted means X-Forwarded-For decides, and any
			// client writes whatever address it likes there.
			return clientIP{}, fmt.Errorf("%w: TrustedProxies: %q trusts every address, so clients could choose their own", ErrInvalidConfig, s)
		}
		c.trusted = append(c.trusted, p)
	}
	return c, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() {
			if p.Bits() < 96 {
				return netip.Prefix{}, fmt.Errorf("mapped prefix shorter than /96")
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func (c *clientIP) isTrusted(a netip.Addr) bool {
	for _, p := range c.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addr returns the client's address. The peer is r.RemoteAddr: the
// connection's remote address, or on Lambda the event's source IP.
func (c *clientIP) addr(r *http.Request) (netip.Addr, error) {
	peer, err := parseHostPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: cannot parse the remote address", ErrNoKey)
	}
	if len(c.trusted) == 0 || !c.isTrusted(peer) {
		return peer, nil
	}
	// Walk X-Forwarded-For from the right. Each trusted proxy appended the
	// address it saw, so the first untrusted entry is the client as our
	// outermost trusted proxy saw it.
	values := r.Header.Values("X-Forwarded-For")
	for i := len(values) - 1; i >= 0; i-- {
		v := values[i]
		for {
			j := strings.LastIndexByte(v, ',')
			a, err := parseHostPort(strings.TrimSpace(v[j+1:]))
			if err != nil {
				// Written by a trusted proxy, so it should parse: refuse
				// rather than guess.
				return netip.Addr{}, fmt.Errorf("%w: malformed X-Forwarded-For entry from a trusted proxy", ErrNoKey)
			}
			if !c.isTrusted(a) {
				return a, nil
			}
			peer = a
			if j < 0 {
				break
			}
			v = v[:j]
		}
	}
	// Every hop is trusted: the request started inside the trusted network.
	return peer, nil
}

// key is the client's address as a limiter key. IPv6 addresses are
// reduced to their v6bits prefix, because one subscriber usually holds a
// whole /64 and could otherwise rotate addresses to escape the limit.
func (c *clientIP) key(a netip.Addr) string {
	if a.Is6() && c.v6bits < 128 {
		p, _ := a.Prefix(c.v6bits) // v6bits is 1..128, checked in New
		return "ip:" + p.String()
	}
	return "ip:" + a.String()
}

// parseHostPort accepts "addr", "addr:port" and "[addr]:port", and returns
// the address unmapped (::ffff:1.2.3.4 becomes 1.2.3.4) and without a zone,
// so that one client has exactly one spelling.
func parseHostPort(s string) (netip.Addr, error) {
	// Pick the one parse that fits, so that no error is built (and
	// allocated) on the way for the common shapes.
	if strings.HasPrefix(s, "[") && !strings.HasSuffix(s, "]") || strings.Count(s, ":") == 1 {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, err
		}
		return canonical(ap.Addr()), nil
	}
	if strings.HasPrefix(s, "[") {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, err
	}
	return canonical(a), nil
}

func canonical(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }
