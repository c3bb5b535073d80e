//go:build deps

// Package deps pins the modules the library's packages are built on while
// they are being written. It is never compiled into anything.
package deps

import (
	_ "github.com/alicebob/miniredis/v2"
	_ "github.com/aws/aws-lambda-go/events"
	_ "github.com/aws/aws-lambda-go/lambda"
	_ "github.com/aws/aws-sdk-go-v2/aws"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/credentials"
	_ "github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	_ "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	_ "github.com/aws/aws-xray-sdk-go/v2/xray"
	_ "github.com/aws/smithy-go"
	_ "github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	_ "github.com/awslabs/goformation/v7"
	_ "github.com/go-playground/validator/v10"
	_ "github.com/go-redis/redis_rate/v10"
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/redis/go-redis/v9"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/crypto/bcrypt"
	_ "golang.org/x/sync/singleflight"
	_ "golang.org/x/text/unicode/norm"
)
