package cfn

import (
	"errors"
	"fmt"
	"strings"
)

// intrinsics lists every intrinsic function CloudFormation knows, with a
// check of its argument's shape. An unknown name is an error rather than
// an opaque value: a misspelt Fn::If would otherwise hide the property it
// wraps from every rule.
var intrinsics = map[string]func(*Node) error{
	"Ref":              scalarArg,
	"Condition":        scalarArg,
	"Fn::GetAtt":       seqArg(2, 2),
	"Fn::Sub":          subArg,
	"Fn::If":           ifArg,
	"Fn::Join":         seqArg(2, 2),
	"Fn::Select":       seqArg(2, 2),
	"Fn::Split":        seqArg(2, 2),
	"Fn::FindInMap":    seqArg(3, 4), // the fourth is LanguageExtensions' DefaultValue
	"Fn::Base64":       anyArg,
	"Fn::GetAZs":       anyArg,
	"Fn::ImportValue":  anyArg,
	"Fn::Cidr":         seqArg(3, 3),
	"Fn::Equals":       seqArg(2, 2),
	"Fn::And":          seqArg(2, 10),
	"Fn::Or":           seqArg(2, 10),
	"Fn::Not":          seqArg(1, 1),
	"Fn::Transform":    mapArg,
	"Fn::Length":       anyArg,
	"Fn::ToJsonString": anyArg,
}

func anyArg(*Node) error { return nil }

func scalarArg(n *Node) error {
	if s, ok := n.Str(); !ok || s == "" {
		return errors.New("needs a name")
	}
	return nil
}

func mapArg(n *Node) error {
	if n.Kind != Map {
		return errors.New("needs a map")
	}
	return nil
}

func seqArg(lo, hi int) func(*Node) error {
	return func(n *Node) error {
		if n.Kind != Seq || len(n.Items) < lo || len(n.Items) > hi {
			if lo == hi {
				return fmt.Errorf("needs a list of %d", lo)
			}
			return fmt.Errorf("needs a list of %d to %d", lo, hi)
		}
		return nil
	}
}

func subArg(n *Node) error {
	if n.Kind == Scalar {
		return nil
	}
	if n.Kind != Seq || len(n.Items) != 2 || n.Items[0].Kind != Scalar || n.Items[1].Kind != Map {
		return errors.New("needs a string, or a list of a string and a map")
	}
	return nil
}

func ifArg(n *Node) error {
	if err := seqArg(3, 3)(n); err != nil {
		return err
	}
	return scalarArg(n.Items[0])
}

// subRefs returns the names a Fn::Sub string refers to: "X" for ${X} and
// "X" for ${X.Attr}; ${!Literal} is text, not a reference.
func subRefs(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		s = s[i+2:]
		j := strings.Index(s, "}")
		if j < 0 {
			return out
		}
		name := s[:j]
		s = s[j+1:]
		if name == "" || name[0] == '!' {
			continue
		}
		if k := strings.Index(name, "."); k >= 0 {
			name = name[:k]
		}
		out = append(out, name)
	}
}
