package classify

// Attributes are read by meaning: each attribute name is normalised (lower
// case, letters and digits only, so first_name, FirstName and "First Name" are
// one) and looked up in a table of what it means, whatever the connector.
// The table is wider than the lists that name an identity (mica's
// FirstNameAttributes and the others, their one definition): it has other
// spellings and other languages, and TestSlotsReadIdentityNames checks that
// it reads each of mica's names as what it means there.

// slot is the meaning of an attribute.
type slot uint8

const (
	sLogin slot = iota
	sUPN
	sDisplay
	sGiven
	sSurname
	sMail
	sManager
	sEmployeeID
	sTitle
	sDepartment
	sPhone
	sDescription
	sOwner
	sType
	sDN
	sObjectClass
	sObjectCategory
	sUAC
	sSPN
	sPwdLastSet
	sLastLogon
	sAccountExpires
	sRecipientType
	sPasswordPolicies
	sEnabled
	sFlagPwdNeverExpires
	sFlagPwdNotRequired
	sFlagDelegation
	sFlagCantChange
	sFlagSmartcard
	sFlagNotDelegated
	nSlots
)

// slotKeys lists, per meaning, the normalised attribute names that carry it, in
// order of preference: when an account has several, the first listed wins.
var slotKeys = [nSlots]string{
	sLogin:            "samaccountname onpremisessamaccountname uid login username userid accountname logonname loginname mailnickname handle screenname user",
	sUPN:              "userprincipalname upn",
	sDisplay:          "displayname realname fullname cn commonname",
	sGiven:            "givenname firstname fname forename vorname prenom nombre",
	sSurname:          "sn surname lastname familyname lname nachname nom apellido apellidos",
	sMail:             "mail email emailaddress primaryemail mailaddress workemail",
	sManager:          "manager managerid manageremail managername managerdn managerlogin supervisor reportsto linemanager vorgesetzter",
	sEmployeeID:       "employeeid employeenumber employeeno empid empno personnelnumber personalnummer staffid staffnumber workerid badgeid badgenumber hrid matricule",
	sTitle:            "title jobtitle position jobtitel",
	sDepartment:       "department dept division costcenter abteilung departement departamento",
	sPhone:            "telephonenumber mobile phone phonenumber mobilephone businessphones mobilenumber telephone ipphone homephone cell",
	sDescription:      "description desc comment comments notes note info purpose remarks",
	sOwner:            "owner owners managedby owneremail ownerid accountowner technicalowner businessowner responsible sponsor custodian steward",
	sType:             "employeetype type accounttype usertype workertype kind category accountcategory identitytype principaltype persontype usercategory employeecategory",
	sDN:               "distinguishedname dn entrydn",
	sObjectClass:      "objectclass",
	sObjectCategory:   "objectcategory",
	sUAC:              "useraccountcontrol",
	sSPN:              "serviceprincipalname",
	sPwdLastSet:       "pwdlastset passwordlastset lastpasswordchangedatetime passwordlastchanged passwordchanged lastpasswordchangedate pwdchanged",
	sLastLogon:        "lastlogontimestamp lastlogon lastlogondate lastsignindatetime lastlogindate lastlogin lastsignin lastactivity lastseen",
	sAccountExpires:   "accountexpires accountexpirationdate expirationdate expires validuntil",
	sRecipientType:    "msexchrecipienttypedetails recipienttypedetails mailboxtype recipienttype userpurpose",
	sPasswordPolicies: "passwordpolicies",
	// Flags as PowerShell's Get-ADUser and other exports write them (True/False).
	sEnabled:             "enabled accountenabled isactive",
	sFlagPwdNeverExpires: "passwordneverexpires",
	sFlagPwdNotRequired:  "passwordnotrequired",
	sFlagDelegation:      "trustedfordelegation trustedtoauthfordelegation",
	sFlagCantChange:      "cannotchangepassword",
	sFlagSmartcard:       "smartcardlogonrequired",
	sFlagNotDelegated:    "accountnotdelegated",
}

// slotIndex maps a normalised attribute name to its meaning and rank (the
// position of the name in its slotKeys list, 0 first).
var slotIndex = func() map[string]uint16 {
	m := map[string]uint16{}
	for s, keys := range slotKeys {
		rank, start := 0, -1
		for i := 0; i <= len(keys); i++ {
			if i < len(keys) && keys[i] != ' ' {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 {
				m[keys[start:i]] = uint16(s)<<8 | uint16(rank)
				rank++
				start = -1
			}
		}
	}
	return m
}()

// attrs holds, per meaning, the account's attribute that carries it.
type attrs struct {
	key  [nSlots]string
	val  [nSlots]any
	rank [nSlots]uint8
	// typeVals has every value of the type-like attributes (employeeType and
	// type may both be set, and both count).
	typeVals [4]any
	ntype    int
}

// read fills at from an account's attributes: one pass over the map, one
// lookup per attribute. Absent, null and blank values are skipped.
func (at *attrs) read(m map[string]any) {
	var buf [32]byte
	for k, v := range m {
		if len(k) > 40 {
			continue
		}
		if e, ok := rawIndex[k]; ok { // the usual spellings: no need to normalise
			if e != noSlot && present(v) {
				at.set(k, v, e)
			}
			continue
		}
		n := 0
		for i := 0; i < len(k) && n < len(buf); i++ {
			c := k[i]
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			default:
				continue
			}
			buf[n] = c
			n++
		}
		e, ok := slotIndex[string(buf[:n])]
		if !ok || !present(v) {
			continue
		}
		at.set(k, v, e)
	}
}

// set records attribute k, value v, under its slot and rank e (a slotIndex value).
func (at *attrs) set(k string, v any, e uint16) {
	s, rank := slot(e>>8), uint8(e)+1
	if s == sType && at.ntype < len(at.typeVals) {
		at.typeVals[at.ntype] = v
		at.ntype++
	}
	if at.rank[s] == 0 || rank < at.rank[s] || rank == at.rank[s] && k < at.key[s] {
		at.key[s], at.val[s], at.rank[s] = k, v, rank
	}
}

// noSlot marks, in rawIndex, an attribute that means nothing to discovery.
const noSlot = 0xFFFF

// rawIndex maps the usual spellings of attribute names, as connectors write
// them, straight to their slotIndex value (noSlot for the common attributes
// discovery does not read), so that most names need no normalising.
var rawIndex = func() map[string]uint16 {
	m := map[string]uint16{}
	for _, k := range []string{"sAMAccountName", "SamAccountName", "userPrincipalName", "UserPrincipalName", "uid",
		"login", "userName", "username", "UserName", "Username", "user_name", "mailNickname", "displayName",
		"DisplayName", "display_name", "real_name", "cn", "givenName", "GivenName", "firstName", "FirstName",
		"first_name", "sn", "surname", "Surname", "lastName", "LastName", "last_name", "mail", "email", "Email",
		"EmailAddress", "emailAddress", "manager", "Manager", "managerId", "ManagerId", "employeeID", "employeeId",
		"EmployeeID", "employeeNumber", "EmployeeNumber", "title", "Title", "jobTitle", "department", "Department",
		"telephoneNumber", "mobile", "phone", "description", "Description", "info", "owner", "managedBy",
		"employeeType", "type", "userType", "UserType", "accountType", "distinguishedName", "DistinguishedName", "dn",
		"objectClass", "ObjectClass", "objectCategory", "userAccountControl", "servicePrincipalName",
		"ServicePrincipalNames", "pwdLastSet", "PasswordLastSet", "lastLogonTimestamp", "lastLogon", "LastLogonDate",
		"lastSignInDateTime", "LastLoginDate", "onPremisesSamAccountName", "accountExpires", "AccountExpirationDate", "msExchRecipientTypeDetails",
		"RecipientTypeDetails", "passwordPolicies", "Enabled", "accountEnabled", "IsActive", "PasswordNeverExpires",
		"PasswordNotRequired", "TrustedForDelegation", "CannotChangePassword", "SmartcardLogonRequired",
		"AccountNotDelegated"} {
		if e, ok := slotIndex[normalKey(k)]; ok {
			m[k] = e
		}
	}
	for _, k := range []string{"memberOf", "MemberOf", "objectGUID", "ObjectGUID", "objectSid", "SID", "whenCreated",
		"whenChanged", "Created", "Modified", "company", "Company", "co", "c", "l", "st", "streetAddress", "postalCode",
		"physicalDeliveryOfficeName", "Office", "homeDirectory", "scriptPath", "proxyAddresses", "logonCount",
		"badPwdCount", "badPasswordTime", "primaryGroupID", "sAMAccountType", "instanceType", "uSNCreated",
		"uSNChanged", "name", "Name", "id", "Id", "operatingSystem", "operatingSystemVersion", "dNSHostName",
		"createdDateTime", "createdAt", "location", "tz", "deleted", "is_admin", "is_owner", "is_app_user",
		"twoFactorEnabled", "siteAdmin", "role", "costCenter", "hireDate", "status", "Alias", "FederationIdentifier",
		"ProfileName", "is_bot", "is_restricted", "is_ultra_restricted", "usageLocation", "onPremisesSyncEnabled", "appId", "servicePrincipalType", "objectType"} {
		if _, ok := m[k]; !ok {
			if _, known := slotIndex[normalKey(k)]; !known {
				m[k] = noSlot
			}
		}
	}
	return m
}()

// normalKey lower-cases an attribute name and keeps its ASCII letters and digits.
func normalKey(k string) string {
	b := make([]byte, 0, len(k))
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		default:
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// str returns the first string value of slot s, or "".
func (at *attrs) str(s slot) string { return firstString(at.val[s]) }

// has reports whether slot s has a value.
func (at *attrs) has(s slot) bool { return at.rank[s] != 0 }
