package secrets

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Errors a caller can act on. Each is always wrapped, use errors.Is. Fetch
// errors name the secret id and the stage or version id and wrap the SDK's
// error as well, for errors.As (smithy.APIError and the like). No error this
// package returns contains a secret value.
var (
	// ErrNotFound is returned by the Get, Refresh and Prefetch methods when
	// the secret, or the requested stage or version of it, does not exist
	// (ResourceNotFoundException). It is also returned for a secret that a
	// static source does not hold.
	ErrNotFound = errors.New("secrets: secret not found")

	// ErrAccessDenied is returned by the Get, Refresh and Prefetch methods
	// when the caller's IAM identity may not read the secret or decrypt it
	// (AccessDeniedException), or its credentials are invalid or expired.
	// The role needs secretsmanager:GetSecretValue and, for a secret
	// encrypted with a customer-managed key, kms:Decrypt.
	ErrAccessDenied = errors.New("secrets: access denied")

	// ErrDecryption is returned by the Get, Refresh and Prefetch methods when
	// Secrets Manager cannot decrypt the secret with its KMS key
	// (DecryptionFailure).
	ErrDecryption = errors.New("secrets: cannot decrypt secret")

	// ErrThrottled is returned by the Get, Refresh and Prefetch methods when
	// Secrets Manager throttled the request and the SDK's retries did not
	// get through (ThrottlingException).
	ErrThrottled = errors.New("secrets: request throttled")

	// ErrInvalidRequest is returned by the Get, Refresh and Prefetch methods
	// for a request Secrets Manager refuses, for example a secret scheduled
	// for deletion (InvalidRequestException, InvalidParameterException), and
	// for an empty secret id.
	ErrInvalidRequest = errors.New("secrets: invalid request")

	// ErrUnavailable is returned by the Get, Refresh and Prefetch methods
	// when Secrets Manager could not be reached or failed on its side (a
	// network error, a timeout, an HTTP 5xx). A timeout adds a hint about
	// VPC endpoints: a Lambda function in a VPC reaches Secrets Manager only
	// through an interface VPC endpoint or a NAT gateway.
	ErrUnavailable = errors.New("secrets: secrets manager unavailable")

	// ErrDecode is returned by [Secret.Decode] and [GetJSON] when the value
	// is not JSON of the expected shape. The error names the JSON offset or
	// field, never the value.
	ErrDecode = errors.New("secrets: cannot decode secret value")

	// ErrInvalidCredentials is returned by [ParseDBCredentials], and by
	// [Secret.Decode] and [GetJSON] into a [DBCredentials], when the value is
	// not a usable database credentials object.
	ErrInvalidCredentials = errors.New("secrets: invalid database credentials")

	// ErrInvalidConfig is returned by [New] for a [Config] it cannot use.
	ErrInvalidConfig = errors.New("secrets: invalid config")
)

// vpcHint explains the most common cause of timeouts from a Lambda function.
const vpcHint = "a Lambda function in a VPC needs an interface VPC endpoint for Secrets Manager (com.amazonaws.<region>.secretsmanager) or a NAT gateway to reach it"

// classify maps an error from the client to one of the sentinels. It
// returns nil when the error fits none of them.
func classify(err error) (sentinel error, timeout bool) {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "ResourceNotFoundException":
			return ErrNotFound, false
		case "AccessDeniedException", "AccessDenied", "UnrecognizedClientException",
			"InvalidClientTokenId", "ExpiredTokenException", "ExpiredToken",
			"MissingAuthenticationTokenException", "InvalidSignatureException",
			"SignatureDoesNotMatch", "IncompleteSignature":
			return ErrAccessDenied, false
		case "DecryptionFailure":
			return ErrDecryption, false
		case "ThrottlingException", "Throttling", "TooManyRequestsException",
			"RequestLimitExceeded", "RequestThrottled", "RequestThrottledException":
			return ErrThrottled, false
		case "InvalidRequestException", "InvalidParameterException", "ValidationException":
			return ErrInvalidRequest, false
		case "InternalServiceError", "InternalFailure", "ServiceUnavailable":
			return ErrUnavailable, false
		}
		var status interface{ HTTPStatusCode() int }
		if errors.As(err, &status) && status.HTTPStatusCode() >= 500 {
			return ErrUnavailable, false
		}
		return nil, false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ErrUnavailable, true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ErrUnavailable, true
	}
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) {
		return ErrUnavailable, false
	}
	return nil, false
}

// fetchError wraps a client error with the sentinel it maps to and the
// secret it was about.
func fetchError(k key, err error) error {
	sentinel, timeout := classify(err)
	switch {
	case sentinel == nil:
		return fmt.Errorf("secrets: get %s: %w", k, err)
	case timeout:
		return fmt.Errorf("%w: get %s: timed out (%s): %w", sentinel, k, vpcHint, err)
	default:
		return fmt.Errorf("%w: get %s: %w", sentinel, k, err)
	}
}

// panicError replaces a panic in the client. The panic value is not
// included: it could hold anything, including a secret.
func panicError(k key) error {
	return fmt.Errorf("%w: get %s: the client panicked", ErrUnavailable, k)
}

// String names a key in errors and logs: id and stage or version id.
func (k key) String() string {
	if k.version != "" {
		return strconv.Quote(k.id) + " version " + strconv.Quote(k.version)
	}
	return strconv.Quote(k.id) + " stage " + strconv.Quote(k.stage)
}
