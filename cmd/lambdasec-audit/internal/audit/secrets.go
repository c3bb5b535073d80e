package audit

import (
	"regexp"
	"slices"
	"strings"

	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/cfn"
)

var (
	// secretName matches names of values that are secrets...
	secretName = regexp.MustCompile(`(?i)(password|passwd|passphrase|secret|token|api_?key|apikey|private_?key|credential|auth_?key|signing_?key|client_?key)`)
	// ...unless the name says the value only points at, sizes or
	// describes one.
	notSecretName = regexp.MustCompile(`(?i)(arn|_?id|name|ttl|url|uri|path|param|parameter|length|expiry|expiration|header|type|version|region|endpoint|field|policy|rotation|validity|units|enabled|config|configuration|location|source|mode|string|template|lifetime|duration|seconds|minutes|hours|days|size|count)$`)
	// secretValue matches values that are credentials whatever their name.
	secretValue = regexp.MustCompile(`(AKIA|ASIA)[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY|xox[abpr]-[0-9A-Za-z-]{10,}|gh[pousr]_[0-9A-Za-z]{30,}|sk_live_[0-9A-Za-z]{20,}`)
)

// notSecretProperties are CloudFormation properties whose names look
// secret but whose values are identifiers.
var notSecretProperties = []string{
	"EventSourceToken", // AWS::Lambda::Permission: an Alexa skill id
}

func isSecretName(s string) bool {
	return secretName.MatchString(s) && !notSecretName.MatchString(s) && !slices.Contains(notSecretProperties, s)
}

// literalSecret reports whether a literal looks like a secret value
// rather than a switch, a count or a reference.
func literalSecret(n *cfn.Node) bool {
	s, ok := n.Str()
	// A dynamic reference or an ARN (an integration's Credentials role)
	// points at a secret or a principal; it is not one.
	if !ok || s == "" || strings.HasPrefix(s, "{{resolve:") || strings.HasPrefix(s, "arn:") {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off":
		return false
	}
	return strings.Trim(s, "0123456789") != ""
}

func checkSecretParameters(c *checker, emit emitFunc) {
	t := c.t
	params := t.Root.Get("Parameters")
	for i, name := range paramNames(params) {
		p := params.Items[i]
		typ, _ := p.Get("Type").Str()
		if !isSecretName(name) || strings.HasPrefix(typ, "AWS::SSM::Parameter") {
			continue
		}
		noEcho, _ := t.Bool(p.Get("NoEcho"))
		r := &cfn.Resource{ID: name, Line: p.Line}
		switch {
		case !noEcho:
			emit(r, p, "parameter %s looks like a secret but has no NoEcho: true, so the console and API show it; keep the secret in Secrets Manager and pass its ARN", name)
		case literalSecret(p.Get("Default")):
			emit(r, p.Get("Default"), "parameter %s has a Default, so the secret is written in the template", name)
		}
	}
}

func paramNames(params *cfn.Node) []string {
	if params == nil || params.Kind != cfn.Map {
		return nil
	}
	return params.Keys
}

func checkSecretLiterals(c *checker, emit emitFunc) {
	for _, id := range c.t.Order {
		r := c.t.Resources[id]
		if r.CreatedBy != "" {
			continue
		}
		walkPairs(r.Properties, func(key string, v *cfn.Node) {
			switch {
			case secretValue.MatchString(v.Value) && v.Kind == cfn.Scalar:
				emit(r, v, "%s holds what looks like a credential in clear text; move it to Secrets Manager", key)
			case isSecretName(key) && literalSecret(v) && !c.secretGenerator(r, key):
				emit(r, v, "%s is written in the template in clear text; use a Secrets Manager secret (dynamic reference or ARN)", key)
			}
		})
	}
}

// secretGenerator excludes the settings of a secret's own generator.
func (c *checker) secretGenerator(r *cfn.Resource, key string) bool {
	return r.Type == "AWS::SecretsManager::Secret" && (key == "SecretStringTemplate" || key == "GenerateStringKey")
}

// walkPairs calls f for every map entry below n (scalars only, with the
// entry's key; list items inherit the key of their list).
func walkPairs(n *cfn.Node, f func(key string, v *cfn.Node)) {
	var walk func(key string, n *cfn.Node)
	walk = func(key string, n *cfn.Node) {
		switch {
		case n == nil:
		case n.Kind == cfn.Scalar:
			f(key, n)
		case n.Kind == cfn.Map:
			for i, k := range n.Keys {
				walk(k, n.Items[i])
			}
		case n.Kind == cfn.Seq:
			for _, it := range n.Items {
				walk(key, it)
			}
		case n.Kind == cfn.Func && n.Value == "Fn::If":
			for _, it := range n.Arg.Items[1:] {
				walk(key, it)
			}
		}
	}
	walk("", n)
}

func checkSecretEnv(c *checker, emit emitFunc) {
	for _, fn := range c.functions() {
		vars := fn.Prop("Environment", "Variables")
		for i, name := range paramNames(vars) {
			v := vars.Items[i]
			if !isSecretName(name) {
				continue
			}
			if why := c.deployTimeSecret(v); why != "" {
				emit(fn, v, "environment variable %s is set from %s, so the secret sits in the function's configuration, readable with lambda:GetFunctionConfiguration; fetch it from Secrets Manager at run time (package secrets)", name, why)
			}
		}
	}
}

// deployTimeSecret says where a value comes from when it is a secret
// resolved at deploy time: a template parameter or a dynamic reference.
func (c *checker) deployTimeSecret(v *cfn.Node) string {
	for _, name := range cfn.Refs(v) {
		if _, ok := c.t.Parameters[name]; ok {
			return "parameter " + name
		}
	}
	found := ""
	cfn.Walk(v, func(x *cfn.Node) bool {
		if s, ok := x.Str(); ok && (strings.Contains(s, "{{resolve:secretsmanager:") || strings.Contains(s, "{{resolve:ssm-secure:")) {
			found = "a dynamic reference"
		}
		return found == ""
	})
	return found
}
