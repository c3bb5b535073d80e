package jwtauth

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisConfig configures a [RedisRevoker].
type RedisConfig struct {
	// Client is any go-redis client: *redis.Client, *redis.ClusterClient
	// or a Sentinel failover client. Required.
	Client redis.UniversalClient
	// Prefix starts every key. Zero means "jwtauth". It may not contain
	// '{' or '}': Redis Cluster would take a hash tag from the prefix and
	// either put every record in one slot or, with "{}", split a
	// subject's two records across slots (CROSSSLOT on every check).
	Prefix string
}

// RedisRevoker is a [Revoker] in Redis, shared by every instance of a
// service. Create it with [NewRedisRevoker]; the zero value is not usable.
// It is safe for concurrent use.
//
// Both records of a subject share a hash tag derived from (iss, sub), so
// the check is one MGET (one round trip) on a single node and on Redis
// Cluster alike, with no CROSSSLOT error. Keys hold only hashes, never a
// token, subject or token id in clear, and expire with the tokens they
// refuse. Every call returns when its context is done even if the client's
// own timeouts are longer (the command itself may finish later in the
// background).
//
// Checks read wherever the client sends reads. A client that reads from
// replicas (ClusterOptions ReadOnly, RouteByLatency or RouteRandomly, or
// an ElastiCache reader endpoint) may miss a revocation written to the
// primary moments before; point the revoker at the primary when that lag
// matters.
type RedisRevoker struct {
	client redis.UniversalClient
	prefix string
	// raise stores max(current, ARGV[1]) with its expiry, so a late or
	// repeated call never lowers a subject's not-before.
	raise *redis.Script
}

// NewRedisRevoker returns a RedisRevoker. It fails with [ErrInvalidConfig]
// when the client is missing or the prefix holds a brace.
func NewRedisRevoker(cfg RedisConfig) (*RedisRevoker, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: RedisConfig.Client is required", ErrInvalidConfig)
	}
	if strings.ContainsAny(cfg.Prefix, "{}") {
		return nil, fmt.Errorf("%w: RedisConfig.Prefix may not contain braces", ErrInvalidConfig)
	}
	return &RedisRevoker{client: cfg.Client, prefix: cmp.Or(cfg.Prefix, "jwtauth"), raise: redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
end
return 1`)}, nil
}

// keys returns the token key and the subject key, both in the slot of the
// (iss, sub) hash tag.
func (r *RedisRevoker) keys(iss, sub, jti string) (tok, subj string) {
	tag := digest("s", iss, sub)
	base := r.prefix + ":{" + tag + "}:"
	return base + "t:" + digest("t", iss, jti), base + "nbf"
}

// digest hashes length-prefixed parts so ("ab","c") and ("a","bc") differ.
func digest(parts ...string) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// bounded runs fn and returns when it does or when ctx is done, whichever
// comes first, so a client with long timeouts cannot hold a request.
func bounded(ctx context.Context, fn func(context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RevokeToken implements [Revoker] with SET ... PXAT until.
func (r *RedisRevoker) RevokeToken(ctx context.Context, c Claims, until time.Time) error {
	if c.ID == "" {
		return fmt.Errorf("%w: no jti", ErrInvalidClaims)
	}
	tok, _ := r.keys(c.Issuer, c.Subject, c.ID)
	// Round up to the millisecond: Redis must not forget before until.
	until = until.Add(time.Millisecond - 1).Truncate(time.Millisecond)
	return bounded(ctx, func(ctx context.Context) error {
		return r.client.SetArgs(ctx, tok, "1", redis.SetArgs{ExpireAt: until}).Err()
	})
}

// RevokeSubject implements [Revoker]; the not-before is stored in Unix
// seconds and only ever raised.
func (r *RedisRevoker) RevokeSubject(ctx context.Context, issuer, subject string, before, until time.Time) error {
	_, subj := r.keys(issuer, subject, "")
	sec := before.Unix()
	if before.After(time.Unix(sec, 0)) {
		sec++ // round up: refuse the whole second
	}
	return bounded(ctx, func(ctx context.Context) error {
		return r.raise.Run(ctx, r.client, []string{subj},
			strconv.FormatInt(sec, 10), strconv.FormatInt(until.UnixMilli(), 10)).Err()
	})
}

// Revoked implements [Revoker] with one MGET of both records.
func (r *RedisRevoker) Revoked(ctx context.Context, c Claims) (bool, error) {
	tok, subj := r.keys(c.Issuer, c.Subject, c.ID)
	var vals []any
	err := bounded(ctx, func(ctx context.Context) error {
		var err error
		vals, err = r.client.MGet(ctx, tok, subj).Result()
		return err
	})
	if err != nil {
		return false, err
	}
	if len(vals) != 2 {
		return false, errors.New("jwtauth: unexpected MGET reply")
	}
	if vals[0] != nil {
		return true, nil
	}
	if s, ok := vals[1].(string); ok {
		nbf, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return false, errors.New("jwtauth: corrupt subject record")
		}
		return c.IssuedAt.Unix() < nbf, nil
	}
	return false, nil
}
