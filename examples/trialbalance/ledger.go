package main

import (
	"strconv"
	"time"
)

// cents is an amount of money in hundredths of the currency unit. Amounts
// are integers from the store to the response, so totals are exact; JSON
// gets them as decimal numbers with two places (1234.5 is sent as 1234.50).
type cents int64

func (c cents) MarshalJSON() ([]byte, error) {
	neg := c < 0
	u := uint64(c)
	if neg {
		u = uint64(-c)
	}
	b := make([]byte, 0, 24)
	if neg {
		b = append(b, '-')
	}
	b = strconv.AppendUint(b, u/100, 10)
	b = append(b, '.', byte('0'+u%100/10), byte('0'+u%10))
	return b, nil
}

// account is one line of the chart of accounts.
type account struct {
	Code string
	Name string
}

// posting is one line of a journal entry: exactly one of Debit and Credit
// is non-zero.
type posting struct {
	Account string
	Debit   cents
	Credit  cents
}

// entry is a balanced journal entry.
type entry struct {
	Date     string // YYYY-MM-DD
	Memo     string
	Postings []posting
}

// accountTotals is what a store returns for a period: the sums of debits
// and credits posted to one account.
type accountTotals struct {
	Code    string
	Name    string
	Debits  cents
	Credits cents
}

// balanceLine is one account of a trial balance: its net balance on the
// side it falls.
type balanceLine struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Debit  cents  `json:"debit"`
	Credit cents  `json:"credit"`
}

// trialBalance is the response of GET /v1/trial-balance.
type trialBalance struct {
	From        string        `json:"from"`
	To          string        `json:"to"`
	Accounts    []balanceLine `json:"accounts"`
	TotalDebit  cents         `json:"total_debit"`
	TotalCredit cents         `json:"total_credit"`
}

// newTrialBalance nets each account's totals onto its debit or credit side.
// Totals come out equal whenever every entry in the period balances.
func newTrialBalance(from, to time.Time, totals []accountTotals) trialBalance {
	tb := trialBalance{
		From:     from.Format(time.DateOnly),
		To:       to.Format(time.DateOnly),
		Accounts: make([]balanceLine, 0, len(totals)),
	}
	for _, t := range totals {
		line := balanceLine{Code: t.Code, Name: t.Name}
		if net := t.Debits - t.Credits; net >= 0 {
			line.Debit = net
		} else {
			line.Credit = -net
		}
		tb.TotalDebit += line.Debit
		tb.TotalCredit += line.Credit
		tb.Accounts = append(tb.Accounts, line)
	}
	return tb
}

// sampleAccounts and sampleEntries are the ledger every store starts with:
// a small trading company's first quarter of 2026. Functions rather than
// variables, so nothing can change them.
func sampleAccounts() []account {
	return []account{
		{"1000", "Cash"},
		{"1100", "Accounts Receivable"},
		{"1500", "Equipment"},
		{"2000", "Accounts Payable"},
		{"3000", "Owner's Equity"},
		{"4000", "Sales Revenue"},
		{"5000", "Cost of Goods Sold"},
		{"6000", "Rent Expense"},
		{"6100", "Salaries Expense"},
		{"6200", "Utilities Expense"},
	}
}

func sampleEntries() []entry {
	two := func(date, memo, debit, credit string, amount cents) entry {
		return entry{Date: date, Memo: memo, Postings: []posting{
			{Account: debit, Debit: amount},
			{Account: credit, Credit: amount},
		}}
	}
	return []entry{
		two("2026-01-02", "Owner's investment", "1000", "3000", 5_000_000),
		two("2026-01-05", "Equipment bought on account", "1500", "2000", 1_200_000),
		two("2026-01-31", "January rent", "6000", "1000", 250_000),
		two("2026-02-10", "Sales on account", "1100", "4000", 1_875_040),
		two("2026-02-15", "Goods sold", "5000", "1000", 732_015),
		two("2026-02-28", "February salaries", "6100", "1000", 910_000),
		two("2026-03-05", "Customer payment", "1000", "1100", 1_000_000),
		two("2026-03-12", "Supplier payment", "2000", "1000", 400_000),
		two("2026-03-20", "Electricity", "6200", "1000", 43_127),
		{Date: "2026-03-31", Memo: "Cash sale with rent", Postings: []posting{
			{Account: "1000", Debit: 275_099},
			{Account: "6000", Debit: 250_000},
			{Account: "4000", Credit: 525_099},
		}},
	}
}
