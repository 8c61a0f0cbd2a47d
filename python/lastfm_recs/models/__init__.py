"""The recommenders, one module per model (registered by name in
lastfm_recs.recommenders; the contract they keep is in models.base).

| module | model |
| --- | --- |
| popularity | most listeners first |
| random | uniformly random artists with a listener (seeded) |
| user_knn | the seed's user-user kNN, exact (package: validation, search, scoring) |
| profile_popularity | popular in the user's country and age band |
| item_knn | item-item cosine kNN on weighted plays |
| user_knn_cosine | user-user cosine kNN, profile as a weighted term |
| als | implicit-feedback matrix factorisation (implicit) |
| als_mllib | the same objective with ALS-WR regularisation, fitted by Spark MLlib (needs pyspark) |
| ease | EASE on the most listened artists and the profile |
| hybrid | weighted blend of other models, profile prior for cold users |
| rp3beta | item-item random-walk similarities with a popularity penalty |
| ials | iALS with frequency-scaled regularization (Rendle et al. 2021) |
| ease_budget | EASE on as many artists as a memory budget holds |
"""
