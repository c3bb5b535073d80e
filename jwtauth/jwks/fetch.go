package jwks

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/lambdasec/lambdasec/internal/strictjson"
)

const discoveryPath = "/.well-known/openid-configuration"

// get fetches url within the fetch timeout and size cap. Only a 200
// answer counts; its body is returned whole or not at all.
func (s *settings) get(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFetch, url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s: status %d", ErrFetch, url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.maxSize+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: %s: reading body: %w", ErrFetch, url, err)
	case int64(len(body)) > s.maxSize:
		return nil, fmt.Errorf("%w: %s: body over %d bytes", ErrFetch, url, s.maxSize)
	}
	return body, nil
}

// discover reads the issuer's discovery document and returns its
// jwks_uri. The document's issuer must be the configured one, byte for
// byte (OpenID Connect Discovery 1.0 §4.3): a document that names another
// issuer describes someone else's keys.
func (s *settings) discover(ctx context.Context) (string, error) {
	body, err := s.get(ctx, strings.TrimSuffix(s.issuer, "/")+discoveryPath)
	if err != nil {
		return "", err
	}
	return parseDiscovery(body, s.issuer)
}

// parseDiscovery checks a discovery document against issuer and returns
// its jwks_uri.
func parseDiscovery(body []byte, issuer string) (string, error) {
	var doc map[string]json.RawMessage
	if err := strictjson.Valid(body, maxJSONDepth); err != nil {
		return "", fmt.Errorf("%w: %w", ErrDiscovery, err)
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("%w: not an object", ErrDiscovery)
	}
	var iss, uri string
	if json.Unmarshal(doc["issuer"], &iss) != nil || iss != issuer {
		return "", fmt.Errorf("%w: issuer is not %q", ErrDiscovery, issuer)
	}
	if json.Unmarshal(doc["jwks_uri"], &uri) != nil {
		return "", fmt.Errorf("%w: jwks_uri missing", ErrDiscovery)
	}
	if err := checkHTTPS(uri, false); err != nil {
		return "", fmt.Errorf("%w: jwks_uri: %w", ErrDiscovery, err)
	}
	return uri, nil
}
