package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Redacted replaces secret values wherever a value would be printed.
const Redacted = "[REDACTED]"

// Secret is one version of a secret as Secrets Manager returned it.
//
// A Secret never prints its value: String, GoString, Format (every fmt verb)
// and LogValue show the id, version and stages with the value redacted, and
// it marshals to JSON the same way. Read the value with [Secret.Value],
// [Secret.Bytes] or [Secret.Decode]. The zero Secret is empty. A Secret is
// immutable and safe for concurrent use.
type Secret struct {
	id        string
	name      string
	arn       string
	versionID string
	stages    []string
	created   time.Time
	// v is behind a pointer so that even fmt's reflection fallbacks (such
	// as a wrong %p verb, which skips Format) print an address, not it.
	v *value
}

type value struct {
	s      string
	binary bool
}

// ID is the secret id the value was requested with (a name or an ARN).
func (s Secret) ID() string { return s.id }

// Name is the secret's friendly name, as Secrets Manager reported it.
func (s Secret) Name() string { return s.name }

// ARN is the secret's ARN, as Secrets Manager reported it.
func (s Secret) ARN() string { return s.arn }

// VersionID is the id of this version of the secret. It changes when the
// secret is rotated or updated, so comparing it tells whether a refresh
// brought a new value.
func (s Secret) VersionID() string { return s.versionID }

// Stages lists the staging labels attached to this version when it was
// fetched, such as AWSCURRENT. The slice is a copy.
func (s Secret) Stages() []string { return slices.Clone(s.stages) }

// CreatedDate is when this version was created.
func (s Secret) CreatedDate() time.Time { return s.created }

// IsBinary reports whether the secret was stored as SecretBinary rather
// than SecretString.
func (s Secret) IsBinary() bool { return s.v != nil && s.v.binary }

// Value returns the secret: SecretString, or the bytes of SecretBinary.
// Keep it out of logs and errors.
func (s Secret) Value() string {
	if s.v == nil {
		return ""
	}
	return s.v.s
}

// Bytes returns a copy of the secret's bytes (see [Secret.Value]). The
// caller may overwrite it when done.
func (s Secret) Bytes() []byte {
	if s.v == nil {
		return nil
	}
	return []byte(s.v.s)
}

// Decode unmarshals the secret's value, which must be JSON, into v, as
// json.Unmarshal does. Errors wrap [ErrDecode] (or [ErrInvalidCredentials]
// for a [DBCredentials]) and name the offset or field at fault, never the
// value.
func (s Secret) Decode(v any) error {
	return decodeJSON(s.id, []byte(s.Value()), v)
}

// String describes the secret with its value redacted.
func (s Secret) String() string {
	var b strings.Builder
	b.WriteString("secrets.Secret{ID: ")
	b.WriteString(strconv.Quote(s.id))
	b.WriteString(", VersionID: ")
	b.WriteString(strconv.Quote(s.versionID))
	b.WriteString(", Stages: [")
	b.WriteString(strings.Join(s.stages, " "))
	b.WriteString("], Value: " + Redacted + "}")
	return b.String()
}

// GoString is [Secret.String], so %#v redacts too.
func (s Secret) GoString() string { return s.String() }

// Format prints [Secret.String] for every verb, so no fmt verb can reach the
// value through reflection.
func (s Secret) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, s.String()) }

// LogValue logs the id, version and stages, with the value redacted.
func (s Secret) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", s.id),
		slog.String("version_id", s.versionID),
		slog.Any("stages", s.stages),
		slog.String("value", Redacted),
	)
}

// MarshalJSON writes the same fields as LogValue, with the value redacted.
func (s Secret) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID        string   `json:"id"`
		VersionID string   `json:"version_id"`
		Stages    []string `json:"stages"`
		Value     string   `json:"value"`
	}{s.id, s.versionID, s.stages, Redacted})
}

// GetJSON gets the current version of the secret id from c and decodes its
// JSON value into a T. Use [DBCredentials] for an RDS secret:
//
//	creds, err := secrets.GetJSON[secrets.DBCredentials](ctx, cache, "prod/db")
//
// Errors are those of [Cache.Get] and [Secret.Decode].
func GetJSON[T any](ctx context.Context, c *Cache, id string) (T, error) {
	var v T
	s, err := c.Get(ctx, id)
	if err != nil {
		return v, err
	}
	err = s.Decode(&v)
	return v, err
}

// decodeJSON unmarshals data into v and rewrites the error so that it
// cannot carry any part of data: encoding/json's messages quote offending
// characters and numbers.
func decodeJSON(id string, data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		inv    *json.InvalidUnmarshalError
	)
	switch {
	case errors.Is(err, ErrInvalidCredentials):
		return fmt.Errorf("%w: secret %q: %w", ErrDecode, id, err)
	case errors.As(err, &syntax):
		return fmt.Errorf("%w: secret %q: invalid JSON at offset %d", ErrDecode, id, syntax.Offset)
	case errors.As(err, &typ):
		where := typ.Field
		if where == "" {
			where = "value"
		}
		return fmt.Errorf("%w: secret %q: %s: cannot unmarshal JSON into %s", ErrDecode, id, where, typ.Type)
	case errors.As(err, &inv):
		return fmt.Errorf("%w: secret %q: %w", ErrDecode, id, err)
	default:
		// An UnmarshalJSON method of the caller's type failed; its message
		// might quote the value, so only its type is kept.
		return fmt.Errorf("%w: secret %q: %T failed", ErrDecode, id, err)
	}
}

// secretFrom builds the Secret for id from a GetSecretValue answer.
func secretFrom(id string, out *secretsmanager.GetSecretValueOutput) Secret {
	s := Secret{
		id:        id,
		name:      aws.ToString(out.Name),
		arn:       aws.ToString(out.ARN),
		versionID: aws.ToString(out.VersionId),
		stages:    append([]string(nil), out.VersionStages...),
		created:   aws.ToTime(out.CreatedDate),
	}
	switch {
	case out.SecretString != nil:
		s.v = &value{s: *out.SecretString}
	case out.SecretBinary != nil:
		s.v = &value{s: string(out.SecretBinary), binary: true}
	default:
		s.v = &value{}
	}
	return s
}
