-- Goals: parent exists, level known.
select g.goal_id, g.parent_id, g.level from goals as g
left join goals as p on p.goal_id = g.parent_id
where (g.parent_id is not null and p.goal_id is null) or g.level not in ('strategy', 'sales', 'hr')
