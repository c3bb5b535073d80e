//go:build deps

package bench

// The peers this module compares against, pinned while the comparisons are
// being written.
import (
	_ "github.com/alexedwards/argon2id"
	_ "github.com/alicebob/miniredis/v2"
	_ "github.com/auth0/go-jwt-middleware/v2"
	_ "github.com/auth0/go-jwt-middleware/v2/validator"
	_ "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	_ "github.com/go-playground/validator/v10"
	_ "github.com/go-redis/redis_rate/v10"
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/wagslane/go-password-validator"
)
