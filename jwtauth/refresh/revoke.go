package refresh

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/redisx"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/secevent"
)

var errReply = errors.New("unexpected reply from the store")

// Logout revokes the family of the access token whose claims are c (as
// [jwtauth.FromContext] returns them): its refresh token stops working,
// and so do the family's access tokens, c's own included. Other sessions
// of the subject stay. A token of no family fails with
// [jwtauth.ErrInvalidClaims]; revoke it with [jwtauth.Authenticator.Logout].
func (s *Store) Logout(ctx context.Context, c jwtauth.Claims) error {
	if c.Family == "" || c.Subject == "" {
		return fmt.Errorf("%w: the token belongs to no family", jwtauth.ErrInvalidClaims)
	}
	return s.RevokeFamily(ctx, c.Subject, c.Family)
}

// RevokeFamily revokes the family of subject whose id is family (the fid
// claim): first in this store, so that no exchange can follow, then in
// the Authenticator's revocation store, so its access tokens are refused.
// Revoking twice, or a family that has expired, is not an error. It fails
// with [ErrUnavailable] when either store fails; call it again then.
func (s *Store) RevokeFamily(ctx context.Context, subject, family string) error {
	if subject == "" || family == "" {
		return fmt.Errorf("%w: empty subject or family", jwtauth.ErrInvalidClaims)
	}
	fam, _ := s.keys(subjectTag(subject), family)
	_, err := redisx.Do(ctx, s.redis, func(ctx context.Context, c redis.UniversalClient) (any, error) {
		v, err := s.revoke.Run(ctx, c, []string{fam}).Result()
		if errors.Is(err, redis.Nil) {
			return nil, nil // no such family (any more)
		}
		return v, err
	})
	if err != nil {
		return s.unavailable(ctx, "revoke family", err)
	}
	if err := s.auth.RevokeFamily(ctx, subject, family); err != nil {
		return s.unavailable(ctx, "revoke family access tokens", err)
	}
	secevent.Emit(ctx, s.events, secevent.Event{Name: secevent.SessionExpired, UserID: subject, Reason: "logout"})
	return nil
}

// RevokeSubject logs subject out everywhere: every family started before
// the next whole second is revoked, and every access token issued before
// it (through [jwtauth.Authenticator.RevokeSubject]). Logins after that
// second work. It fails with [ErrUnavailable] when either store fails;
// call it again then.
func (s *Store) RevokeSubject(ctx context.Context, subject string) error {
	if subject == "" {
		return fmt.Errorf("%w: empty subject", jwtauth.ErrInvalidClaims)
	}
	now := s.now()
	// The Authenticator's not-before is in whole seconds, rounded up;
	// the same instant here keeps the two stores in step.
	before := now.Truncate(time.Second).Add(time.Second)
	_, mark := s.keys(subjectTag(subject), "")
	_, err := redisx.Do(ctx, s.redis, func(ctx context.Context, c redis.UniversalClient) (any, error) {
		return s.mark.Run(ctx, c, []string{mark}, strconv.FormatInt(before.UnixMilli(), 10),
			strconv.FormatInt(before.Add(s.life).UnixMilli(), 10)).Result()
	})
	if err != nil {
		return s.unavailable(ctx, "revoke subject", err)
	}
	if err := s.auth.RevokeSubject(ctx, subject); err != nil {
		return s.unavailable(ctx, "revoke subject access tokens", err)
	}
	secevent.Emit(ctx, s.events, secevent.Event{Name: secevent.SessionExpired, UserID: subject, Reason: "logout_everywhere"})
	return nil
}
