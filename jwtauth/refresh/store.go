package refresh

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/redisx"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/secevent"
)

// Tokens is what a login or an exchange hands the client.
type Tokens struct {
	// AccessToken is the new access token, and Claims its claims
	// (Claims.Family is the family's id).
	AccessToken string
	Claims      jwtauth.Claims
	// RefreshToken is the new refresh token, single-use.
	RefreshToken Token
	// RefreshExpiresAt is when RefreshToken stops working if not used:
	// the idle timeout from now, or the family's absolute end if sooner.
	RefreshExpiresAt time.Time
}

// storedGrant is what of the login's Grant every exchange reissues.
type storedGrant struct {
	Scopes []string        `json:"s,omitempty"`
	Custom json.RawMessage `json:"c,omitempty"`
	TTL    time.Duration   `json:"t,omitempty"`
}

// Login starts a family (a session) for g, issued to client (a client id,
// or "" for a service's own front end), and returns its first access and
// refresh tokens. The Store sets g.Family and g.ID itself; a Grant with
// either set fails with [jwtauth.ErrInvalidClaims], as does any Grant
// the Authenticator refuses. It fails with [ErrUnavailable] when the
// store fails; no token is returned then.
func (s *Store) Login(ctx context.Context, g jwtauth.Grant, client string) (Tokens, error) {
	if g.Family != "" || g.ID != "" || g.Subject == "" {
		return Tokens{}, fmt.Errorf("%w: a refresh Grant needs a Subject and no Family or ID", jwtauth.ErrInvalidClaims)
	}
	sg := storedGrant{Scopes: g.Scopes, TTL: g.TTL}
	if g.Custom != nil {
		c, err := json.Marshal(g.Custom)
		if err != nil {
			return Tokens{}, fmt.Errorf("%w: custom claims: %w", jwtauth.ErrInvalidClaims, err)
		}
		sg.Custom = c
	}
	grant, err := json.Marshal(sg)
	if err != nil {
		return Tokens{}, fmt.Errorf("%w: %w", jwtauth.ErrInvalidClaims, err)
	}
	var r raw
	copy(r.tag(), subjectTag(g.Subject))
	if _, err := io.ReadFull(s.rand, r[tagLen:]); err != nil {
		return Tokens{}, fmt.Errorf("refresh: token: %w", err)
	}
	now := s.now()
	fid := familyID(r.famKey())
	g.Family = fid
	access, claims, err := s.auth.IssueAt(g, now)
	if err != nil {
		return Tokens{}, err
	}
	fam, _ := s.keys(r.tag(), fid)
	nowMS := now.UnixMilli()
	end := now.Add(s.life).UnixMilli()
	idleEnd := min(end, now.Add(s.idle).UnixMilli())
	_, err = redisx.Do(ctx, s.redis, func(ctx context.Context, c redis.UniversalClient) ([]redis.Cmder, error) {
		return c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, fam, "sub", g.Subject, "cid", client, "g", grant, "c", nowMS, "x", end, "u", nowMS,
				"cur", r.id(), "gen", 0, "st", "a")
			p.PExpireAt(ctx, fam, time.UnixMilli(idleEnd))
			return nil
		})
	})
	if err != nil {
		return Tokens{}, s.unavailable(ctx, "login", err)
	}
	secevent.Emit(ctx, s.events, secevent.Event{Name: secevent.SessionCreated, UserID: g.Subject, Reason: "login"})
	return Tokens{AccessToken: access, Claims: claims, RefreshToken: r.encode(), RefreshExpiresAt: time.UnixMilli(idleEnd)}, nil
}

// Exchange spends the refresh token presented by client and returns the
// next access and refresh tokens of its family, in one atomic step on the
// store. It fails with
//
//   - [ErrInvalidToken]: not a refresh token, an unknown or expired
//     family, or another client's token; nothing changes;
//   - [ErrReused]: the token was exchanged before and is not within the
//     grace period: the family is revoked now (an authn_token_reuse
//     event is reported);
//   - [ErrRevoked]: the family was revoked before;
//   - [ErrUnavailable]: the store failed or timed out, or the access
//     tokens of a family found revoked could not be revoked (then a
//     retry revokes them again).
//
// Within Config.GracePeriod, presenting the token just exchanged again
// returns the same tokens as the first time.
func (s *Store) Exchange(ctx context.Context, token, client string) (Tokens, error) {
	r, err := parseToken(token)
	if err != nil {
		return Tokens{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	next := r
	if _, err := io.ReadFull(s.rand, next[tagLen+famKeyLen:]); err != nil {
		return Tokens{}, fmt.Errorf("refresh: token: %w", err)
	}
	sealed, err := r.wrap(&next, s.rand)
	if err != nil {
		return Tokens{}, fmt.Errorf("refresh: seal: %w", err)
	}
	fid := familyID(r.famKey())
	now := s.now()
	rep, err := s.runExchange(ctx, &r, &next, fid, sealed, client, now)
	if err != nil {
		return Tokens{}, err
	}
	return s.answer(ctx, rep, &r, &next, fid, now)
}

// runExchange is the one atomic step in Redis: it rotates r to next in
// family fid (sealed is next, encrypted under r, for a grace retry) and
// says what it found.
func (s *Store) runExchange(ctx context.Context, r, next *raw, fid, sealed, client string, now time.Time) (reply, error) {
	fam, mark := s.keys(r.tag(), fid)
	res, err := redisx.Do(ctx, s.redis, func(ctx context.Context, c redis.UniversalClient) ([]any, error) {
		return s.exchange.Run(ctx, c, []string{fam, mark},
			now.UnixMilli(), r.id(), next.id(), sealed, s.idle.Milliseconds(), s.grace.Milliseconds(),
			client, now.Add(s.idle).UnixMilli()).Slice()
	})
	if err != nil {
		return reply{}, s.unavailable(ctx, "exchange", err)
	}
	rep, err := parseReply(res)
	if err != nil {
		return reply{}, s.unavailable(ctx, "exchange", err)
	}
	return rep, nil
}

// answer turns the store's verdict on an exchange into its result:
// new tokens, the same tokens again within the grace period, or the
// refusal (revoking the family when the token was reused).
func (s *Store) answer(ctx context.Context, rep reply, r, next *raw, fid string, now time.Time) (Tokens, error) {
	switch rep.status {
	case "ok":
		secevent.Emit(ctx, s.events, secevent.Event{Name: secevent.SessionRenewed, UserID: rep.sub})
		return s.issue(ctx, rep, fid, next, now)
	case "grace":
		succ, err := r.unwrap(rep.next)
		if err != nil { // altered in the store: refuse rather than guess
			return Tokens{}, fmt.Errorf("%w: sealed successor: %w", ErrInvalidToken, err)
		}
		return s.issue(ctx, rep, fid, &succ, time.UnixMilli(rep.rot))
	case "reuse":
		secevent.Emit(ctx, s.events, secevent.Event{Name: secevent.AuthnTokenReuse, UserID: rep.sub, Reason: "refresh_token_reuse"})
		if err := s.auth.RevokeFamily(ctx, rep.sub, fid); err != nil {
			return Tokens{}, s.unavailable(ctx, "revoke family after reuse", err)
		}
		return Tokens{}, ErrReused
	case "revoked":
		// Revoked again in the Authenticator's store: idempotent, and it
		// completes a revocation whose second half failed before.
		if err := s.auth.RevokeFamily(ctx, rep.sub, fid); err != nil {
			return Tokens{}, s.unavailable(ctx, "revoke family", err)
		}
		return Tokens{}, ErrRevoked
	case "expired":
		secevent.Emit(ctx, s.events, secevent.Event{Name: secevent.SessionExpired, UserID: rep.sub, Reason: "expired"})
		return Tokens{}, fmt.Errorf("%w: expired", ErrInvalidToken)
	case "client":
		return Tokens{}, fmt.Errorf("%w: issued to another client", ErrInvalidToken)
	case "unknown":
		return Tokens{}, fmt.Errorf("%w: unknown family", ErrInvalidToken)
	}
	return Tokens{}, s.unavailable(ctx, "exchange", errReply)
}

// issue builds the answer of an exchange: the access token with the id
// derived from the new refresh token and issued at the rotation, so a
// retry within the grace period gets the same token again.
func (s *Store) issue(ctx context.Context, rep reply, fid string, next *raw, at time.Time) (Tokens, error) {
	var sg storedGrant
	if err := json.Unmarshal([]byte(rep.grant), &sg); err != nil {
		return Tokens{}, s.unavailable(ctx, "exchange", errReply)
	}
	g := jwtauth.Grant{Subject: rep.sub, Scopes: sg.Scopes, TTL: sg.TTL, Family: fid, ID: next.jti()}
	if sg.Custom != nil {
		g.Custom = sg.Custom
	}
	access, claims, err := s.auth.IssueAt(g, at)
	if err != nil {
		return Tokens{}, err
	}
	expires := time.UnixMilli(min(rep.end, at.Add(s.idle).UnixMilli()))
	return Tokens{AccessToken: access, Claims: claims, RefreshToken: next.encode(), RefreshExpiresAt: expires}, nil
}

// keys returns the family key and the subject mark key, in the slot of
// the token's tag.
func (s *Store) keys(tag []byte, fid string) (fam, mark string) {
	base := s.prefix + ":{" + hex.EncodeToString(tag) + "}:"
	return base + "f:" + fid, base + "nbf"
}

// subjectTag is the hash tag of a subject's keys, carried in its tokens.
func subjectTag(subject string) []byte {
	tag, _ := hex.DecodeString(redisx.Digest("refresh", subject))
	return tag
}

// unavailable logs a store failure and returns it as ErrUnavailable.
func (s *Store) unavailable(ctx context.Context, op string, err error) error {
	s.log.ErrorContext(ctx, "refresh: store failed; refused", "op", op, "error", err.Error())
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
}

// reply is the exchange script's answer.
type reply struct {
	status, sub, grant, next string
	rot, end                 int64
}

func parseReply(res []any) (reply, error) {
	var rep reply
	if len(res) == 0 {
		return rep, errReply
	}
	rep.status, _ = res[0].(string)
	if len(res) == 1 {
		return rep, nil
	}
	if len(res) != 6 {
		return rep, errReply
	}
	var rot, end string
	var ok [5]bool
	rep.sub, ok[0] = res[1].(string)
	rep.grant, ok[1] = res[2].(string)
	rot, ok[2] = res[3].(string)
	rep.next, ok[3] = res[4].(string)
	end, ok[4] = res[5].(string)
	if ok != [5]bool{true, true, true, true, true} {
		return rep, errReply
	}
	rep.rot, _ = strconv.ParseInt(rot, 10, 64) // "" before the first rotation
	var err error
	if rep.end, err = strconv.ParseInt(end, 10, 64); err != nil {
		return rep, errReply
	}
	return rep, nil
}
