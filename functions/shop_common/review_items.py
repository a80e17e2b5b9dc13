"""The reviews table (components/reviews.py), declared once: its keys, the kinds of item it
holds and their attributes, its indexes. The GraphQL resolvers get them in their generated
blocks (scripts/generate.py resolver_constants), the review workflows
(workflows/reviews.py, workflows/customer_service.py) and the component read them here.

One table, keyed (PARTITION_KEY, SORT_KEY), holds five kinds of item; the sort key says
which:

    review      pk reviewId    reviewId productId userId rating title text createdAt,
                               then sentiment scores analysedAt (the analysis),
                               hiddenAt (an admin hid it), thankedAt (thanked once)
    case        pk reviewId    a negative review's customer-service case: caseId (the
                               review's id) reviewId productId userId status rating title
                               text openedAt, escalatedAt resolvedAt closedAt resolution
                               resolvedBy, and while its workflow waits the taskToken
    summary     pk productId   reviewCount ratingTotal: every review not hidden
    reviewer#<userId>          pk productId: the customer reviewed this product
                               (reviewId): one review per customer per product
    day#<YYYY-MM-DD>           pk userId: reviews the customer submitted that day (UTC),
                               expiring (EXPIRES_AT) two days after the day's first

The review, its reviewer and summary items, the day's counter and the event are written
in one transaction (submitReview), so a refused duplicate counts nothing.
"""

PARTITION_KEY = "pk"
SORT_KEY = "sk"
REVIEW = "review"
CASE = "case"
SUMMARY = "summary"
REVIEWER_PREFIX = "reviewer#"
DAY_PREFIX = "day#"
EXPIRES_AT = "expiresAt"  # the table's TTL attribute (epoch seconds): the day counters'
DAY_COUNTER_SECONDS = 2 * 24 * 60 * 60  # after the day's first review: the day is over

# Reviews of a product, newest first. A sparse index: only review items have both keys.
PRODUCT_INDEX = "byProduct"
PRODUCT_INDEX_KEY = ("productId", "createdAt")
# Cases by status, oldest first. Only case items have both keys.
CASE_STATUS_INDEX = "byCaseStatus"
CASE_STATUS_INDEX_KEY = ("status", "openedAt")
