package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// list runs a collection query: selectSQL is "SELECT cols FROM table alias [JOINs]"
// and may already carry a WHERE built from base (whose arguments are baseArgs).
// The filters and sorters of opt are resolved through res; scan reads one row.
func list[T any](ctx context.Context, q queryer, res *query.Resource, opt mica.ListOptions,
	selectSQL, fromSQL, baseWhere string, baseArgs []any, scan func(*sql.Rows) (T, error)) (mica.Page[T], error) {
	return listCounted(ctx, q, res, opt, selectSQL, fromSQL, fromSQL, baseWhere, baseArgs, scan)
}

// listCounted is list with the count taken over countFromSQL: the FROM of the
// page without the joins that only name what the page shows (SQLite does not
// drop them from a count by itself, and they cost a lookup per counted row).
// The WHERE must not need them either.
func listCounted[T any](ctx context.Context, q queryer, res *query.Resource, opt mica.ListOptions,
	selectSQL, fromSQL, countFromSQL, baseWhere string, baseArgs []any, scan func(*sql.Rows) (T, error)) (mica.Page[T], error) {
	return listWith(ctx, q, res, opt, countFromSQL, baseWhere, baseArgs, scan, func(where, orderBy string) string {
		return selectSQL + " " + fromSQL + where + " ORDER BY " + orderBy + " LIMIT ? OFFSET ?"
	})
}

// listKeyed is list for a page picked by its keys first: keySQL (such as
// "a.rid") of the rows of fromSQL in the page's order, LIMIT and OFFSET
// applied, then the rows of those keys read from outerFromSQL, whose alias
// and columns are those of fromSQL. When the page's order needs a sort,
// SQLite's sorter carries every selected column of every row it keeps
// (offset+limit of them): picking the keys first keeps only the key and the
// sort keys.
func listKeyed[T any](ctx context.Context, q queryer, res *query.Resource, opt mica.ListOptions,
	selectSQL, keySQL, outerFromSQL, fromSQL, baseWhere string, baseArgs []any,
	scan func(*sql.Rows) (T, error)) (mica.Page[T], error) {
	return listWith(ctx, q, res, opt, fromSQL, baseWhere, baseArgs, scan, func(where, orderBy string) string {
		return selectSQL + " " + outerFromSQL + " WHERE " + keySQL + " IN (SELECT " + keySQL + " " + fromSQL + where +
			" ORDER BY " + orderBy + " LIMIT ? OFFSET ?) ORDER BY " + orderBy
	})
}

// listWith runs a collection query whose page query pageSQL builds from the
// WHERE (" WHERE ..." or empty) and ORDER BY; it ends with the LIMIT and
// OFFSET placeholders' arguments last.
func listWith[T any](ctx context.Context, q queryer, res *query.Resource, opt mica.ListOptions,
	countFromSQL, baseWhere string, baseArgs []any, scan func(*sql.Rows) (T, error),
	pageSQL func(where, orderBy string) string) (mica.Page[T], error) {
	page := mica.Page[T]{Total: -1}
	c, err := res.Compile(query.SQLite, opt.Filters, opt.Sorters, len(baseArgs))
	if err != nil {
		return page, err
	}
	where := baseWhere
	args := append([]any{}, baseArgs...)
	if c.Where != "" {
		if where != "" {
			where = "(" + where + ") AND (" + c.Where + ")"
		} else {
			where = c.Where
		}
		args = append(args, c.Args...)
	}
	if where != "" {
		where = " WHERE " + where
	}
	if opt.Count {
		if err := q.QueryRowContext(ctx, "SELECT count(*) "+countFromSQL+where, args...).Scan(&page.Total); err != nil {
			return page, fmt.Errorf("count %s: %w", res.Name, err)
		}
	}
	page.Items = []T{}
	if opt.Limit == 0 || (page.Total >= 0 && opt.Offset >= page.Total) {
		return page, nil
	}
	rows, err := q.QueryContext(ctx, pageSQL(where, c.OrderBy), append(args, opt.Limit, opt.Offset)...)
	if err != nil {
		return page, fmt.Errorf("list %s: %w", res.Name, err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return page, fmt.Errorf("scan %s: %w", res.Name, err)
		}
		page.Items = append(page.Items, item)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("list %s: %w", res.Name, err)
	}
	return page, nil
}
