package mica

import "strings"

// Identity fields a correlation property can name besides the identity's
// attributes (IdentityField).
const (
	IdentityFieldID        = "id"
	IdentityFieldName      = "name"
	IdentityFieldAlias     = "alias"
	IdentityFieldEmail     = "email"
	IdentityFieldFirstName = "firstName"
	IdentityFieldLastName  = "lastName"
)

// IdentityField maps a correlation property (an identity attribute, as ISC
// names it) to the identity field mica keeps it in, "" when it is one of the
// identity's other attributes.
func IdentityField(property string) string {
	switch property {
	case "id":
		return IdentityFieldID
	case "name", "displayName":
		return IdentityFieldName
	case "alias", "uid":
		return IdentityFieldAlias
	case "email", "emailAddress":
		return IdentityFieldEmail
	case "firstname", "firstName", "first_name", "givenName":
		return IdentityFieldFirstName
	case "lastname", "lastName", "last_name", "sn":
		return IdentityFieldLastName
	}
	return ""
}

// Property is the value of correlation property p on the identity (see
// IdentityField); ok is false when it has none.
func (i *Identity) Property(p string) (v string, ok bool) {
	switch IdentityField(p) {
	case IdentityFieldID:
		v = i.ID
	case IdentityFieldName:
		v = i.Name
	case IdentityFieldAlias:
		v = i.Alias
	case IdentityFieldEmail:
		v = i.Email
	case IdentityFieldFirstName:
		v = i.FirstName
	case IdentityFieldLastName:
		v = i.LastName
	default:
		return AttributeText(i.Attributes[p])
	}
	return v, true
}

// Correlate is correlation's choice of identity for an account (its name and
// attributes) among identities, and its definition: each assignment of the
// config in turn, the identity whose Property is the account's Value
// attribute (case-insensitively with IgnoreCase; empty values match nothing),
// when exactly one identity has it (none or several go on); then the default,
// the one identity whose alias is the account's name, else the one whose name
// is, case-insensitively. "" when none. The stores evaluate it in SQL over a
// whole aggregation for speed; storetest checks their SQL against it on random
// tenants.
func (c *CorrelationConfig) Correlate(name string, attrs map[string]any, identities []*Identity) string {
	unique := func(key string, prop func(i *Identity) (string, bool), fold bool) string {
		found := ""
		for _, i := range identities {
			v, ok := prop(i)
			matches := v == key || fold && strings.EqualFold(v, key)
			if !ok || v == "" || !matches {
				continue
			}
			if found != "" && found != i.ID {
				return ""
			}
			found = i.ID
		}
		return found
	}
	for _, a := range c.AttributeAssignments {
		v, ok := AttributeText(attrs[a.Value])
		if !ok {
			continue
		}
		if id := unique(v, func(i *Identity) (string, bool) { return i.Property(a.Property) }, a.IgnoreCase); id != "" {
			return id
		}
	}
	if id := unique(name, func(i *Identity) (string, bool) { return i.Alias, true }, true); id != "" {
		return id
	}
	return unique(name, func(i *Identity) (string, bool) { return i.Name, true }, true)
}
