// Package cfn reads CloudFormation and SAM templates for lambdasec-audit.
//
// [Parse] turns YAML or JSON into a [Template] of [Node] values that keep
// their source lines. Both forms of every intrinsic function (!Ref and
// {"Ref": ...}) become one Func node; an unknown function is an error, so
// a typo cannot hide a property from the rules. SAM templates get the
// transform's Globals merged into each serverless resource and the
// implicit ServerlessRestApi and ServerlessHttpApi added.
//
// # Untrusted input
//
// Templates come from anywhere, so the loader bounds what it does: at
// most [MaxSize] bytes, a node budget that stops YAML alias bombs, a
// nesting limit, and refusal of duplicate keys, cycles among resources
// (Ref, Fn::GetAtt, Fn::Sub, DependsOn) and among conditions. Every
// refusal wraps [ErrInvalid].
//
// # Values
//
// [Template.Values] answers "what may this property be at deploy time":
// both sides of Fn::If, a parameter's AllowedValues or Default, MinValue
// and MaxValue, Fn::FindInMap entries, and joins and substitutions of
// known parts. Rules judge every possible value, so an Fn::If that can
// turn a setting off fails the rule.
package cfn
