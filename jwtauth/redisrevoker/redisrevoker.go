// Package redisrevoker keeps jwtauth revocations in Redis, shared by every
// instance of a service.
//
// It is a package of its own so that a service using
// [jwtauth.MemoryRevoker], or no revoker, links no go-redis code: importing
// jwtauth alone adds none of go-redis's packages to a binary.
//
// # Use
//
//	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
//	rev, err := redisrevoker.New(redisrevoker.Config{Client: rdb})
//	if err != nil { ... }
//	auth, err := jwtauth.New(jwtauth.Config{Keys: keys, Revoker: rev})
//
// Give the client short dial and retry settings and ContextTimeoutEnabled:
// Config.RevocationTimeout bounds each check either way, but only a client
// that honours its context frees the connection at the deadline (and runs
// the command without a helper goroutine).
package redisrevoker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/redisx"
	"github.com/lambdasec/lambdasec/jwtauth"
)

// DefaultPrefix starts every key when Config.Prefix is empty.
const DefaultPrefix = "jwtauth"

// Config configures a [Revoker].
type Config struct {
	// Client is any go-redis client: *redis.Client, *redis.ClusterClient
	// or a Sentinel failover client. Required.
	Client redis.UniversalClient
	// Prefix starts every key. Zero means "jwtauth". It may not contain
	// '{' or '}': Redis Cluster would take a hash tag from the prefix and
	// either put every record in one slot or, with "{}", split a
	// subject's two records across slots (CROSSSLOT on every check).
	Prefix string
}

// Revoker is a [jwtauth.Revoker] in Redis. Create it with [New]; the zero
// value is not usable. It is safe for concurrent use.
//
// Both records of a subject share a hash tag derived from (iss, sub), so
// the check is one MGET (one round trip) on a single node and on Redis
// Cluster alike, with no CROSSSLOT error. Keys hold only hashes, never a
// token, subject or token id in clear, and expire with the tokens they
// refuse. Every call returns when its context is done even if the client's
// own timeouts are longer (the command itself may then finish later in the
// background).
//
// Checks read wherever the client sends reads. A client that reads from
// replicas (ClusterOptions ReadOnly, RouteByLatency or RouteRandomly, or
// an ElastiCache reader endpoint) may miss a revocation written to the
// primary moments before; point the revoker at the primary when that lag
// matters.
type Revoker struct {
	redis  redisx.Caller
	prefix string
	// raise stores max(current, ARGV[1]) with its expiry, so a late or
	// repeated call never lowers a subject's not-before.
	raise *redis.Script
}

// raiseScript sets KEYS[1] to ARGV[1] (Unix seconds) expiring at ARGV[2]
// (Unix ms), only when that raises the stored value: a not-before only
// moves forward, whatever order concurrent logouts arrive in.
const raiseScript = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
end
return 1`

// New returns a Revoker. It fails with [jwtauth.ErrInvalidConfig] when the
// client is missing or the prefix holds a brace.
func New(cfg Config) (*Revoker, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: redisrevoker.Config.Client is required", jwtauth.ErrInvalidConfig)
	}
	if err := redisx.CheckPrefix(cfg.Prefix); err != nil {
		return nil, fmt.Errorf("%w: redisrevoker.Config.Prefix: %w", jwtauth.ErrInvalidConfig, err)
	}
	return &Revoker{
		redis:  redisx.NewCaller(cfg.Client, 0), // the Authenticator bounds every call
		prefix: cmp.Or(cfg.Prefix, DefaultPrefix),
		raise:  redis.NewScript(raiseScript),
	}, nil
}

// keys returns the token key and the subject key, both in the slot of the
// (iss, sub) hash tag:
//
//	<prefix>:{<digest(s, iss, sub)>}:t:<digest(t, iss, jti)>
//	<prefix>:{<digest(s, iss, sub)>}:nbf
//	<prefix>:{<digest(s, iss, sub)>}:f:<digest(f, iss, fid)>
//
// The family key is returned only when fid is not empty.
func (r *Revoker) keys(iss, sub, jti, fid string) (tok, subj, fam string) {
	// The keys are built in one buffer and cut from one string: a
	// single allocation on every check.
	var buf [256]byte
	b := append(buf[:0], r.prefix...)
	b = append(b, ":{"...)
	b = redisx.AppendDigest(b, "s", iss, sub)
	b = append(b, "}:"...)
	base := len(b)
	b = append(b, "t:"...)
	b = redisx.AppendDigest(b, "t", iss, jti)
	n := len(b)
	b = append(b, b[:base]...)
	b = append(b, "nbf"...)
	m := len(b)
	if fid != "" {
		b = append(b, b[:base]...)
		b = append(b, "f:"...)
		b = redisx.AppendDigest(b, "f", iss, fid)
	}
	s := string(b)
	return s[:n], s[n:m], s[m:]
}

// RevokeToken implements [jwtauth.Revoker] with SET ... PXAT until.
func (r *Revoker) RevokeToken(ctx context.Context, c jwtauth.Claims, until time.Time) error {
	if c.ID == "" {
		return fmt.Errorf("%w: no jti", jwtauth.ErrInvalidClaims)
	}
	tok, _, _ := r.keys(c.Issuer, c.Subject, c.ID, "")
	return r.setUntil(ctx, tok, until)
}

// setUntil writes a deny record, key = "1" expiring at until: the write
// of token and family revocations.
func (r *Revoker) setUntil(ctx context.Context, key string, until time.Time) error {
	// Round up to the millisecond: Redis must not forget before until.
	until = until.Add(time.Millisecond - 1).Truncate(time.Millisecond)
	_, err := redisx.Do(ctx, r.redis, func(ctx context.Context, c redis.UniversalClient) (string, error) {
		return c.SetArgs(ctx, key, "1", redis.SetArgs{ExpireAt: until}).Result()
	})
	return err
}

// RevokeSubject implements [jwtauth.Revoker]; the not-before is stored in
// Unix seconds and only ever raised.
func (r *Revoker) RevokeSubject(ctx context.Context, issuer, subject string, before, until time.Time) error {
	_, subj, _ := r.keys(issuer, subject, "", "")
	sec := before.Unix()
	if before.After(time.Unix(sec, 0)) {
		sec++ // round up: refuse the whole second
	}
	_, err := redisx.Do(ctx, r.redis, func(ctx context.Context, c redis.UniversalClient) (any, error) {
		return r.raise.Run(ctx, c, []string{subj},
			strconv.FormatInt(sec, 10), strconv.FormatInt(until.UnixMilli(), 10)).Result()
	})
	return err
}

var (
	errReply   = errors.New("redisrevoker: unexpected MGET reply")
	errCorrupt = errors.New("redisrevoker: corrupt subject record")
)

// Revoked implements [jwtauth.Revoker] with one MGET of the token and
// subject records, and the family record when c.Family is set.
func (r *Revoker) Revoked(ctx context.Context, c jwtauth.Claims) (bool, error) {
	tok, subj, fam := r.keys(c.Issuer, c.Subject, c.ID, c.Family)
	vals, err := redisx.Do(ctx, r.redis, func(ctx context.Context, cl redis.UniversalClient) ([]any, error) {
		if fam != "" {
			return cl.MGet(ctx, tok, subj, fam).Result()
		}
		return cl.MGet(ctx, tok, subj).Result()
	})
	if err != nil {
		return false, err
	}
	if len(vals) != 2 && (fam == "" || len(vals) != 3) {
		return false, errReply
	}
	if vals[0] != nil || len(vals) == 3 && vals[2] != nil {
		return true, nil
	}
	if s, ok := vals[1].(string); ok {
		nbf, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return false, errCorrupt
		}
		return c.IssuedAt.Unix() < nbf, nil
	}
	return false, nil
}
