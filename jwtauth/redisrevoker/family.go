package redisrevoker

import (
	"context"
	"fmt"
	"time"

	"github.com/lambdasec/lambdasec/jwtauth"
)

// RevokeFamily implements [jwtauth.Revoker]: the family record sits in the
// slot of the subject's other records, so [Revoker.Revoked] reads it in
// the same MGET, and it is written like a token revocation.
func (r *Revoker) RevokeFamily(ctx context.Context, issuer, subject, family string, until time.Time) error {
	if family == "" {
		return fmt.Errorf("%w: empty family", jwtauth.ErrInvalidClaims)
	}
	_, _, fam := r.keys(issuer, subject, "", family)
	return r.setUntil(ctx, fam, until)
}
