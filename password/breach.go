package password

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// A BreachChecker reports whether a password is known from a data breach.
// Implementations must be safe for concurrent use, must honour ctx, and
// must not log or send the password. [HIBP] is the provided one; an
// offline filter or a cache in front of HIBP can implement it too.
type BreachChecker interface {
	Breached(ctx context.Context, password string) (bool, error)
}

// Defaults of an [HIBPConfig].
const (
	DefaultHIBPEndpoint  = "https://api.pwnedpasswords.com/range/"
	DefaultHIBPTimeout   = 2 * time.Second
	DefaultHIBPMinCount  = 1
	DefaultHIBPUserAgent = "lambdasec-password"
)

// HIBPConfig configures [NewHIBP]. Every zero value means its documented
// default.
type HIBPConfig struct {
	// Endpoint is the range API's base URL; the 5-hex-digit prefix is
	// appended to it. It must be https. Zero means
	// [DefaultHIBPEndpoint], "https://api.pwnedpasswords.com/range/".
	Endpoint string

	// Client sends the requests. Nil means a client of this package's
	// own with Go's default transport. NewHIBP uses a copy that refuses
	// redirects to anything but https.
	Client *http.Client

	// Timeout bounds one lookup on top of the caller's ctx deadline
	// (whichever comes first wins). Zero means [DefaultHIBPTimeout], 2
	// seconds.
	Timeout time.Duration

	// MinCount is how many times a password must appear in the corpus to
	// count as breached. Zero means [DefaultHIBPMinCount], 1.
	MinCount int

	// FailOpen makes an unanswered lookup report "not breached" (logged
	// at warn level) instead of returning an error wrapping
	// [ErrBreachUnavailable]. The default, false, fails closed.
	FailOpen bool

	// UserAgent is sent with every request. Zero means
	// [DefaultHIBPUserAgent], "lambdasec-password".
	UserAgent string

	// Logger receives a warning per failed lookup when FailOpen is set.
	// Nil means slog.Default().
	Logger *slog.Logger
}

// HIBP checks passwords against the Have I Been Pwned "Pwned Passwords"
// range API with k-anonymity: only the first 5 hex characters of the
// password's SHA-1 leave the process, and the Add-Padding header asks the
// service to pad every response to 800-1,000 entries, so the response size
// does not reveal the prefix either. The data is licensed CC BY 4.0 by
// haveibeenpwned.com; credit it where users see the result.
//
// An HIBP is safe for concurrent use. It does not cache: put a
// [BreachChecker] of your own in front if lookups repeat. Create one with
// [NewHIBP]; the zero HIBP answers every lookup with an error wrapping
// [ErrBreachUnavailable].
type HIBP struct {
	endpoint  string
	client    *http.Client
	timeout   time.Duration
	minCount  int
	failOpen  bool
	userAgent string
	logger    *slog.Logger
}

// maxRangeResponse caps the bytes read from one range response. Real padded
// responses are about 40 KB.
const maxRangeResponse = 1 << 20

// NewHIBP returns an HIBP client, or an error wrapping [ErrInvalidConfig].
func NewHIBP(cfg HIBPConfig) (*HIBP, error) {
	if cfg.Timeout < 0 || cfg.MinCount < 0 {
		return nil, fmt.Errorf("%w: negative Timeout or MinCount", ErrInvalidConfig)
	}
	h := &HIBP{
		endpoint:  cmp.Or(cfg.Endpoint, DefaultHIBPEndpoint),
		client:    cfg.Client,
		timeout:   cmp.Or(cfg.Timeout, DefaultHIBPTimeout),
		minCount:  cmp.Or(cfg.MinCount, DefaultHIBPMinCount),
		failOpen:  cfg.FailOpen,
		userAgent: cmp.Or(cfg.UserAgent, DefaultHIBPUserAgent),
		logger:    cmp.Or(cfg.Logger, slog.Default()),
	}
	u, err := url.Parse(h.endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: Endpoint must be an https URL without query or fragment", ErrInvalidConfig)
	}
	// A copy, so the caller's client is not changed, that never follows a
	// redirect off https: the prefix would travel in clear, and anyone on
	// the path could answer "not breached".
	client := http.Client{}
	if h.client != nil {
		client = *h.client
	}
	next := client.CheckRedirect
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" {
			return errors.New("redirect to a non-https URL")
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	h.client = &client
	return h, nil
}

// Breached reports whether password appears in the corpus at least MinCount
// times. When the service cannot answer it returns an error wrapping
// [ErrBreachUnavailable], or (false, nil) with FailOpen.
func (h *HIBP) Breached(ctx context.Context, password string) (bool, error) {
	if h == nil || h.client == nil {
		// A zero HIBP, such as Policy{Breach: &HIBP{}}: fail closed
		// rather than dereference a nil client.
		return false, fmt.Errorf("%w: HIBP not created with NewHIBP", ErrBreachUnavailable)
	}
	sum := sha1.Sum([]byte(password))
	var hexSum [40]byte
	hex.Encode(hexSum[:], sum[:])
	digest := strings.ToUpper(string(hexSum[:]))
	prefix, suffix := digest[:5], digest[5:]

	count, err := h.lookup(ctx, prefix, suffix)
	if err != nil {
		if h.failOpen {
			h.logger.WarnContext(ctx, "password: breach check failed open", "err", err)
			return false, nil
		}
		return false, fmt.Errorf("%w: range lookup: %w", ErrBreachUnavailable, err)
	}
	return count >= h.minCount, nil
}

func (h *HIBP) lookup(ctx context.Context, prefix, suffix string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.endpoint+prefix, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Add-Padding", "true")
	req.Header.Set("User-Agent", h.userAgent)
	resp, err := h.client.Do(req)
	if err != nil {
		// Drop the URL: it holds the hash prefix, which has no place in
		// logs next to a user ID.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("range API answered %s", resp.Status)
	}
	return parseRange(io.LimitReader(resp.Body, maxRangeResponse+1), suffix)
}

var errRangeFormat = errors.New("malformed range response")

// parseRange reads a range response ("SUFFIX:COUNT" lines, CRLF or LF) and
// returns the count for suffix, 0 when absent or padding. Any malformed
// line, a response over maxRangeResponse bytes and a response without a
// single entry fail the whole response: a truncated or tampered answer
// must not read as "not breached".
func parseRange(r io.Reader, suffix string) (int, error) {
	// Read it whole and count the bytes themselves: a line scanner hides
	// the CR of each CRLF, and a cap on a count that misses bytes would
	// let a cut at a line end pass as a complete answer.
	body, err := io.ReadAll(io.LimitReader(r, maxRangeResponse+1))
	if err != nil {
		return 0, fmt.Errorf("%w: reading: %w", errRangeFormat, err)
	}
	if len(body) > maxRangeResponse {
		return 0, fmt.Errorf("%w: over %d bytes", errRangeFormat, maxRangeResponse)
	}
	entries, found := 0, 0
	for line := range bytes.Lines(body) {
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			continue
		}
		if len(line) < 37 || len(line) > 64 || line[35] != ':' || !isUpperHex(line[:35]) {
			return 0, errRangeFormat
		}
		n, ok := parseCount(line[36:])
		if !ok {
			return 0, errRangeFormat
		}
		entries++
		if string(line[:35]) == suffix && n > found {
			found = n
		}
	}
	if entries == 0 {
		return 0, fmt.Errorf("%w: no entries", errRangeFormat)
	}
	return found, nil
}

func isUpperHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// parseCount parses a decimal count, saturating instead of overflowing.
func parseCount(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < 1<<40 {
			n = n*10 + int(c-'0')
		}
	}
	return n, true
}
