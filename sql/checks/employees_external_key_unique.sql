-- An external key (source-system id) names one person only.
select external_key, count(*) as n from employees where external_key is not null group by all having count(*) > 1
