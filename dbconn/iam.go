package dbconn

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
)

// IAM token timing. RDS accepts a token for 15 minutes after it was
// signed; dbconn reuses one until a minute before that, because RDS
// throttles IAM logins at 200 new connections per second per instance
// unless they share a token.
const (
	iamTokenLifetime = 15 * time.Minute
	iamTokenMargin   = time.Minute
)

// iamTokens signs RDS IAM authentication tokens and reuses each until
// shortly before it expires. Safe for concurrent use.
type iamTokens struct {
	endpoint string // host:port the token is signed for
	region   string
	user     string
	creds    aws.CredentialsProvider
	now      func() time.Time

	mu      sync.Mutex
	token   string
	renewAt time.Time
}

// get returns a cached token, or a new one when none is cached, the cached
// one is close to expiry, or force is set (the server refused it).
func (t *iamTokens) get(ctx context.Context, force bool) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if !force && t.token != "" && now.Before(t.renewAt) {
		return t.token, nil
	}
	// Retrieve the AWS credentials here rather than inside
	// BuildAuthToken, to learn when they expire: a token signed with
	// temporary credentials stops working when they do.
	c, err := t.creds.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("%w: IAM: retrieve AWS credentials: %w", ErrCredentials, err)
	}
	tok, err := auth.BuildAuthToken(ctx, t.endpoint, t.region, t.user,
		aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil }))
	if err != nil {
		return "", fmt.Errorf("%w: IAM: sign token: %w", ErrCredentials, err)
	}
	renew := now.Add(iamTokenLifetime - iamTokenMargin)
	if c.CanExpire && c.Expires.Add(-iamTokenMargin).Before(renew) {
		renew = c.Expires.Add(-iamTokenMargin)
	}
	t.token, t.renewAt = tok, renew
	return tok, nil
}

// refresher hands out tokens for user as credentials: the cached token,
// and a new one after the server refused a login.
func (t *iamTokens) refresher(user string) *refresher {
	login := func(force bool) CredentialsFunc {
		return func(ctx context.Context) (Credentials, error) {
			tok, err := t.get(ctx, force)
			return NewCredentials(user, tok), err
		}
	}
	return &refresher{current: login(false), refresh: login(true)}
}
