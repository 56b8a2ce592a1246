-- Attività recenti shows each order's number of lines (its mailboxes, or a renewal's mailboxes
-- and products). Counted on every page it cost three subqueries per order (a reseller's page
-- p99 22.9 ms at 1,000,000 mailboxes); the store now keeps the count with the order, in the
-- transaction that changes its lines (orders::recount_lines_in).
ALTER TABLE orders ADD COLUMN line_count BIGINT NOT NULL DEFAULT 0;
UPDATE orders SET line_count =
    (SELECT COUNT(*) FROM mailboxes m WHERE m.order_id = orders.id)
  + (SELECT COUNT(*) FROM renewals r WHERE r.order_id = orders.id)
  + (SELECT COUNT(*) FROM product_renewals pr WHERE pr.order_id = orders.id);
