package jwtauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Revoker stores revocations. [Authenticator] calls it with the claims of
// tokens that passed every other check (Revoked) or that the caller asks
// to revoke, always with jti, sub and exp set (iat too, for Revoked), and
// with a context bounded by Config.RevocationTimeout (checks) or
// Config.RevokeTimeout (writes); an implementation must return when that
// context is done. Implementations
// must be safe for concurrent use.
//
// Tokens are identified by (iss, jti), never by the token string, which
// has several valid encodings (an ECDSA signature (r, s) also verifies as
// (r, n-s)). The Authenticator always passes Config.Issuer as the issuer,
// in the claims' Issuer field too: when Config.Issuer is empty, tokens are
// accepted whatever their iss, and their revocations are recorded under
// the empty issuer, where [Authenticator.RevokeSubject] finds them.
type Revoker interface {
	// RevokeToken revokes the token c.ID of c.Issuer (c.Subject may be used
	// to place the record). The record may be dropped after until.
	RevokeToken(ctx context.Context, c Claims, until time.Time) error
	// RevokeSubject refuses every token of (issuer, subject) whose iat is
	// before before. An earlier before never replaces a later one. The
	// record may be dropped after until.
	RevokeSubject(ctx context.Context, issuer, subject string, before, until time.Time) error
	// RevokeFamily refuses every token of (issuer, subject) whose
	// c.Family is family. The record may be dropped after until.
	RevokeFamily(ctx context.Context, issuer, subject, family string, until time.Time) error
	// Revoked reports whether c was revoked by any of these methods
	// (RevokeFamily only when c.Family is not empty). It should cost one
	// round trip to the store.
	Revoked(ctx context.Context, c Claims) (bool, error)
}

// MemoryRevoker is a [Revoker] held in process memory, for tests and
// single-process services: revocations are lost on restart and not shared
// between instances (each Lambda sandbox would have its own). Its zero
// value is ready to use and it is safe for concurrent use. Expired records
// are dropped as new ones are added.
type MemoryRevoker struct {
	// Now is the clock used to drop expired records. Nil means time.Now.
	Now func() time.Time

	mu       sync.Mutex
	tokens   map[[2]string]time.Time // (iss, jti) -> until
	subjects map[[2]string]subjectRecord
	families map[[3]string]time.Time // (iss, sub, fid) -> until
	writes   int
}

type subjectRecord struct{ before, until time.Time }

func (m *MemoryRevoker) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// RevokeToken implements [Revoker].
func (m *MemoryRevoker) RevokeToken(_ context.Context, c Claims, until time.Time) error {
	if c.ID == "" {
		return fmt.Errorf("%w: no jti", ErrInvalidClaims)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tokens == nil {
		m.tokens = make(map[[2]string]time.Time)
	}
	k := [2]string{c.Issuer, c.ID}
	if until.After(m.tokens[k]) {
		m.tokens[k] = until
	}
	m.sweep()
	return nil
}

// RevokeSubject implements [Revoker].
func (m *MemoryRevoker) RevokeSubject(_ context.Context, issuer, subject string, before, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.subjects == nil {
		m.subjects = make(map[[2]string]subjectRecord)
	}
	k := [2]string{issuer, subject}
	r := m.subjects[k]
	if before.After(r.before) {
		r.before = before
	}
	if until.After(r.until) {
		r.until = until
	}
	m.subjects[k] = r
	m.sweep()
	return nil
}

// RevokeFamily implements [Revoker].
func (m *MemoryRevoker) RevokeFamily(_ context.Context, issuer, subject, family string, until time.Time) error {
	if family == "" {
		return fmt.Errorf("%w: empty family", ErrInvalidClaims)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.families == nil {
		m.families = make(map[[3]string]time.Time)
	}
	k := [3]string{issuer, subject, family}
	if until.After(m.families[k]) {
		m.families[k] = until
	}
	m.sweep()
	return nil
}

// Revoked implements [Revoker].
func (m *MemoryRevoker) Revoked(_ context.Context, c Claims) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if until, ok := m.tokens[[2]string{c.Issuer, c.ID}]; ok && now.Before(until) {
		return true, nil
	}
	if c.Family != "" {
		if until, ok := m.families[[3]string{c.Issuer, c.Subject, c.Family}]; ok && now.Before(until) {
			return true, nil
		}
	}
	if r, ok := m.subjects[[2]string{c.Issuer, c.Subject}]; ok && now.Before(r.until) && c.IssuedAt.Before(r.before) {
		return true, nil
	}
	return false, nil
}

// sweep drops expired records once the writes since the last sweep reach
// the number of records, keeping the cost amortised constant.
func (m *MemoryRevoker) sweep() {
	m.writes++
	if m.writes < len(m.tokens)+len(m.subjects)+len(m.families) {
		return
	}
	m.writes = 0
	now := m.now()
	for k, until := range m.tokens {
		if !now.Before(until) {
			delete(m.tokens, k)
		}
	}
	for k, until := range m.families {
		if !now.Before(until) {
			delete(m.families, k)
		}
	}
	for k, r := range m.subjects {
		if !now.Before(r.until) {
			delete(m.subjects, k)
		}
	}
}

// Revoke revokes the token whose claims are c, as returned by
// [Authenticator.Verify], [Authenticator.Issue] or [FromContext], until it
// expires (plus the leeway); revoking a token that has already expired for
// good does nothing. The record is found again by jti and sub (a
// a Redis revoker places it by subject), so claims rebuilt by hand need
// both, and exp. It fails with [ErrNoRevoker] without a Revoker,
// [ErrInvalidClaims] when c lacks jti, sub or exp, and
// [ErrRevocationUnavailable] when the store fails.
func (a *Authenticator) Revoke(ctx context.Context, c Claims) error {
	if a.revoker == nil {
		return ErrNoRevoker
	}
	if c.ID == "" {
		return fmt.Errorf("%w: no jti", ErrInvalidClaims)
	}
	if c.Subject == "" {
		// Every verified token has a sub; the Redis revoker keys the record
		// by it, and a record under the empty subject is never found.
		return fmt.Errorf("%w: no sub", ErrInvalidClaims)
	}
	if c.ExpiresAt.IsZero() {
		// Without exp the record's lifetime is unknown; treating the
		// token as expired would report success and revoke nothing.
		return fmt.Errorf("%w: no exp", ErrInvalidClaims)
	}
	c = a.revocationScope(c)
	until := c.ExpiresAt.Add(a.leeway)
	if !a.now().Before(until) {
		return nil // expired for good: nothing to remember
	}
	ctx, cancel := context.WithTimeout(ctx, a.writeTime)
	defer cancel()
	if err := a.revoker.RevokeToken(ctx, c, until); err != nil {
		return fmt.Errorf("%w: revoke token: %w", ErrRevocationUnavailable, err)
	}
	return nil
}

// RevokeSubject revokes every token the subject holds from Config.Issuer,
// or whatever their issuer when Config.Issuer is empty ("log out
// everywhere"): tokens issued before the next whole second are
// refused, so a token issued in the same second as the call is refused
// too. Tokens issued later are accepted. The record is kept for
// MaxLifetime plus the leeway, after which every older token has expired.
func (a *Authenticator) RevokeSubject(ctx context.Context, subject string) error {
	if a.revoker == nil {
		return ErrNoRevoker
	}
	if subject == "" {
		return fmt.Errorf("%w: empty subject", ErrInvalidClaims)
	}
	before := a.now().Truncate(time.Second).Add(time.Second)
	ctx, cancel := context.WithTimeout(ctx, a.writeTime)
	defer cancel()
	if err := a.revoker.RevokeSubject(ctx, a.issuer, subject, before, before.Add(a.maxLife+a.leeway)); err != nil {
		return fmt.Errorf("%w: revoke subject: %w", ErrRevocationUnavailable, err)
	}
	return nil
}

// RevokeFamily revokes every token of the subject that carries family in
// its fid claim ([Grant.Family]): the access tokens of one session,
// issued from one refresh-token family. Other tokens of the subject stay
// valid. The record is kept for MaxLifetime plus the leeway, after which
// every token of the family has expired; no token of the family may be
// issued after the call. It fails with [ErrNoRevoker] without a Revoker,
// [ErrInvalidClaims] for an empty subject or family, and
// [ErrRevocationUnavailable] when the store fails.
func (a *Authenticator) RevokeFamily(ctx context.Context, subject, family string) error {
	if a.revoker == nil {
		return ErrNoRevoker
	}
	if subject == "" || family == "" {
		return fmt.Errorf("%w: empty subject or family", ErrInvalidClaims)
	}
	until := a.now().Add(a.maxLife + a.leeway)
	ctx, cancel := context.WithTimeout(ctx, a.writeTime)
	defer cancel()
	if err := a.revoker.RevokeFamily(ctx, a.issuer, subject, family, until); err != nil {
		return fmt.Errorf("%w: revoke family: %w", ErrRevocationUnavailable, err)
	}
	return nil
}

// revocationScope returns c with Issuer set to Config.Issuer, the issuer
// under which this Authenticator records and looks up revocations. When
// Config.Issuer is set the two are equal (verification checked it); when it
// is empty, tokens are accepted whatever their iss, so their revocations
// must not depend on it either: otherwise [Authenticator.RevokeSubject],
// which knows only Config.Issuer, would miss every token carrying an iss.
func (a *Authenticator) revocationScope(c Claims) Claims {
	c.Issuer = a.issuer
	return c
}

// checkRevoked asks the Revoker, bounded by the revocation timeout.
func (a *Authenticator) checkRevoked(ctx context.Context, c *Claims) error {
	if a.revoker == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.revTime)
	defer cancel()
	revoked, err := a.revoker.Revoked(ctx, a.revocationScope(*c))
	if err != nil {
		if a.failOpen {
			a.log.LogAttrs(ctx, slog.LevelError, "jwtauth: revocation check failed; token accepted (fail-open)",
				slog.String("error", err.Error()), slog.String("sub", c.Subject))
			return nil
		}
		a.log.LogAttrs(ctx, slog.LevelError, "jwtauth: revocation check failed; token refused",
			slog.String("error", err.Error()), slog.String("sub", c.Subject))
		if errors.Is(err, ErrRevocationUnavailable) {
			return err
		}
		return fmt.Errorf("%w: revocation check: %w", ErrRevocationUnavailable, err)
	}
	if revoked {
		return ErrTokenRevoked
	}
	return nil
}
