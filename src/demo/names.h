/*
 * names.h - the word tables of the demo generator: Japanese family and given names with their
 * readings, places with postal codes and area codes, company name parts, and products.
 *
 * Only demo.c uses them. Weights are rough relative frequencies (family names after the usual
 * rankings of Japanese surnames; places after population), good enough to make the data look
 * like a real Japanese customer list, not statistics.
 */
#ifndef OK_DEMO_NAMES_H
#define OK_DEMO_NAMES_H

struct demo_name {
    const char *kanji;
    const char *kana;   /* katakana reading (フリガナ) */
    const char *romaji; /* for e-mail addresses */
    int weight;
};

struct demo_place {
    const char *prefecture;
    const char *city;
    const char *postal3;   /* first three digits of the postal codes there */
    const char *area_code; /* land line area code, with its leading 0 */
    const char *towns[4];
    int weight;
    int store; /* index of the nearest shop (demo_stores), -1: online only */
};

struct demo_word {
    const char *text;
    const char *kana;
};

struct demo_product {
    const char *sku;
    const char *name;
    const char *category;
    int price;
    int weight;   /* popularity in the shop's order lines; 0: not sold over the counter */
    int per_year; /* contract product: price per year (B2B subscriptions) */
};

extern const struct demo_name demo_family_names[];
extern const int demo_family_count;
extern const struct demo_name demo_male_names[];
extern const int demo_male_count;
extern const struct demo_name demo_female_names[];
extern const int demo_female_count;
extern const struct demo_place demo_places[];
extern const int demo_place_count;
extern const char *const demo_stores[];
extern const int demo_store_count;
extern const struct demo_word demo_company_stems[];
extern const int demo_company_stem_count;
extern const struct demo_word demo_company_kinds[];
extern const int demo_company_kind_count;
extern const char *const demo_buildings[];
extern const int demo_building_count;
extern const char *const demo_mail_domains[];
extern const int demo_mail_domain_count;
extern const struct demo_product demo_products[];
extern const int demo_product_count;

#endif
