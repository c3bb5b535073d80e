package authorizer

import (
	"errors"
	"strings"
)

// executeARN is a parsed method or route ARN:
// arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path...}
type executeARN struct {
	base   string   // "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/"
	method string   // "GET"
	path   []string // ["v1", "trial-balance"]; nil for the root
}

var errARN = errors.New("not an execute-api method or route ARN")

// parseARN parses the ARN of the event. The API id and stage it names are
// the only ones any policy built from it covers.
func parseARN(s string) (executeARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "execute-api" || !isName(parts[1]) ||
		!isName(parts[3]) || !isName(parts[4]) {
		return executeARN{}, errARN
	}
	res := strings.SplitN(parts[5], "/", 4)
	if len(res) < 3 || !isName(res[0]) || !isStage(res[1]) || !isMethod(res[2]) {
		return executeARN{}, errARN
	}
	out := executeARN{
		base:   strings.Join(parts[:5], ":") + ":" + res[0] + "/" + res[1] + "/",
		method: res[2],
	}
	if len(res) == 4 && res[3] != "" {
		out.path = strings.Split(res[3], "/")
		for _, seg := range out.path {
			if strings.ContainsAny(seg, "*?") {
				return executeARN{}, errARN // a wildcard in the event would widen the policy
			}
		}
	}
	return out, nil
}

// resource is the ARN's method and path, as a policy resource suffix.
func (a executeARN) resource() string {
	return a.method + "/" + strings.Join(a.path, "/")
}

// isName accepts ARN fields made of letters, digits and dashes.
func isName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isStage accepts stage names, including HTTP APIs' "$default".
func isStage(s string) bool {
	if s == "$default" {
		return true
	}
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func isMethod(s string) bool {
	switch s {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "ANY", "*":
		return true
	}
	return false
}
