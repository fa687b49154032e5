package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/micahq/mica"
	"github.com/micahq/mica/query"
)

// list runs a collection query: selectSQL is "SELECT cols", fromSQL "FROM table
// alias [JOINs]", and baseWhere an optional condition whose placeholders $1..$n
// are baseArgs. The filters and sorters of opt are resolved through res in the
// PostgreSQL dialect, numbered after baseArgs; scan reads one row.
func list[T any](ctx context.Context, q queryer, res *query.Resource, opt mica.ListOptions,
	selectSQL, fromSQL, baseWhere string, baseArgs []any, scan func(pgx.Rows) (T, error)) (mica.Page[T], error) {
	page := mica.Page[T]{Total: -1}
	c, err := res.Compile(query.Postgres, opt.Filters, opt.Sorters, len(baseArgs))
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
		if err := q.QueryRow(ctx, "SELECT count(*) "+fromSQL+where, args...).Scan(&page.Total); err != nil {
			return page, fmt.Errorf("count %s: %w", res.Name, err)
		}
	}
	page.Items = []T{}
	if opt.Limit == 0 || (page.Total >= 0 && opt.Offset >= page.Total) {
		return page, nil
	}
	n := len(args)
	rows, err := q.Query(ctx, selectSQL+" "+fromSQL+where+" ORDER BY "+c.OrderBy+
		" LIMIT $"+strconv.Itoa(n+1)+" OFFSET $"+strconv.Itoa(n+2), append(args, opt.Limit, opt.Offset)...)
	if err != nil {
		return page, fmt.Errorf("list %s: %w", res.Name, err)
	}
	defer rows.Close()
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
